"""HaMeR's losses against explicit loops (sums, masks, root handling)."""
import numpy as np
import pytest
import torch

from egohands.models.losses import (Keypoint2DLoss, Keypoint3DLoss,
                                    MANOParamLoss)


def test_keypoint_3d_loss_is_a_masked_sum_of_root_relative_l1():
    rng = np.random.default_rng(0)
    pred, target = rng.normal(size=(2, 3, 5, 3))
    weight = np.array([[1, 1, 0, 1, 1], [0, 1, 1, 1, 1], [1, 0, 1, 1, 0]],
                      float)
    expected = 0.0
    for b in range(3):
        for k in range(5):
            if weight[b, k] and weight[b, 0]:  # joint and root valid
                expected += np.abs((pred[b, k] - pred[b, 0]) -
                                   (target[b, k] - target[b, 0])).sum()
    loss = Keypoint3DLoss(loss_weight=0.05)(
        torch.tensor(pred), torch.tensor(target), torch.tensor(weight))
    assert loss.item() == pytest.approx(0.05 * expected)
    # a global shift of the prediction changes nothing
    shifted = Keypoint3DLoss(loss_weight=0.05)(
        torch.tensor(pred + 3.0), torch.tensor(target), torch.tensor(weight))
    assert shifted.item() == pytest.approx(loss.item())


def test_keypoint_2d_loss_is_a_masked_sum_of_l1():
    pred = torch.tensor([[[0.1, 0.2], [0.3, -0.4]]])
    target = torch.tensor([[[0.0, 0.0], [1.0, 1.0]]])
    loss = Keypoint2DLoss(loss_weight=0.01)(pred, target,
                                            torch.tensor([[1.0, 0.0]]))
    assert loss.item() == pytest.approx(0.01 * (0.1 + 0.2))
    unmasked = Keypoint2DLoss(loss_weight=1.0)(pred, target)
    assert unmasked.item() == pytest.approx(0.3 + 0.7 + 1.4)


def test_mano_parameter_loss_against_a_loop():
    rng = np.random.default_rng(1)
    pred_rot, gt_rot = rng.normal(size=(2, 4, 16, 3, 3))
    pred_betas, gt_betas = rng.normal(size=(2, 4, 10))
    valid = np.array([1.0, 0.0, 1.0, 1.0])
    losses = MANOParamLoss(0.001, 0.002, 0.0005)(
        *map(torch.tensor, (pred_rot, pred_betas, gt_rot, gt_betas, valid)))
    orient = hand = betas = 0.0
    for b in range(4):
        if valid[b]:
            orient += ((pred_rot[b, 0] - gt_rot[b, 0])**2).sum()
            hand += ((pred_rot[b, 1:] - gt_rot[b, 1:])**2).sum()
            betas += ((pred_betas[b] - gt_betas[b])**2).sum()
    assert losses['loss_global_orient'].item() == pytest.approx(0.001 *
                                                                orient)
    assert losses['loss_hand_pose'].item() == pytest.approx(0.002 * hand)
    assert losses['loss_betas'].item() == pytest.approx(0.0005 * betas)
