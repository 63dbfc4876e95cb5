"""IntegralPoseHead: soft-argmax, heatmap targets and the 2.5D head."""
import numpy as np
import pytest
import torch

from egohands.models.heads.integral_pose_head import (
    gaussian_heatmap_targets, soft_argmax)
from egohands.registry import MODELS
from egohands.structures import HandDataSample


def test_soft_argmax_of_a_peaked_map_is_its_pixel_centre():
    logits = torch.full((1, 2, 4, 8), -1e4)
    logits[0, 0, 1, 5] = 0.0           # x index 5 of 8, y index 1 of 4
    logits[0, 1] = 0.0                  # uniform: the centre
    values = torch.arange(32, dtype=torch.float32).view(1, 1, 4, 8)
    uv, value = soft_argmax(logits, values.expand(1, 2, 4, 8))
    np.testing.assert_allclose(uv[0, 0], [5.5 / 8, 1.5 / 4], atol=1e-6)
    np.testing.assert_allclose(uv[0, 1], [0.5, 0.5], atol=1e-6)
    assert value[0, 0].item() == pytest.approx(1 * 8 + 5)
    assert value[0, 1].item() == pytest.approx(values.mean().item())


def test_gaussian_targets_sum_to_one_and_peak_at_the_position():
    uv = torch.tensor([[[0.3, 0.7], [0.51, 0.49]]])
    maps = gaussian_heatmap_targets(uv, 16, 32, sigma=1.0)
    np.testing.assert_allclose(maps.sum(dim=(2, 3)), 1.0, atol=1e-6)
    row, col = divmod(int(maps[0, 0].argmax()), 32)
    assert (col, row) == (int(0.3 * 32), int(0.7 * 16))
    # the soft-argmax of a symmetric Gaussian is its centre
    centre, _ = soft_argmax(maps[:, 1:].log(), torch.zeros(1, 1, 16, 32))
    np.testing.assert_allclose(centre[0, 0], [0.51, 0.49], atol=2e-3)


def _head(**kwargs):
    head = MODELS.build(dict(
        type='IntegralPoseHead', in_channels=16, deconv_channels=(8, ),
        codec=dict(type='Pose25DCodec'), **kwargs))
    head.codec.set_statistics(dict(bone_sq_sum=48000.0))
    return head


def _samples(count, rng):
    samples = []
    K = np.array([[150.0, 0, 31.5], [0, 150.0, 31.5], [0, 0, 1]],
                 np.float32)
    for _ in range(count):
        joints = rng.normal(0, 30, (21, 3)).astype(np.float32)
        joints[:, 2] += 400.0
        samples.append(HandDataSample(
            metainfo=dict(crop_K=K, input_size=(64, 64)),
            gt_joints_3d=torch.as_tensor(joints),
            gt_joints_valid=torch.ones(21)))
    return samples


def test_head_trains_on_a_fixed_batch_and_predicts_in_crop_pixels():
    torch.manual_seed(0)
    head = _head(heatmap_weight=0.1)
    feats = (torch.randn(4, 16, 8, 8), )
    samples = _samples(4, np.random.default_rng(0))
    out = head(feats)
    assert out['joints'].shape == (4, 21, 3)
    assert out['heatmaps'].shape == out['depths'].shape == (4, 21, 16, 16)
    optimizer = torch.optim.Adam(head.parameters(), lr=1e-2)
    first = None
    for _ in range(200):
        losses = head.loss(feats, samples)
        assert set(losses) == {'loss_joints', 'loss_heatmap'}
        total = sum(losses.values())
        first = total.item() if first is None else first
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
    assert total.item() < 0.7 * first
    head.eval()
    with torch.no_grad():
        preds = head.predict(feats, samples)
        uv = head(feats)['joints'][..., :2] * 64
    np.testing.assert_allclose(preds[0]['pred_keypoints_2d'], uv[0],
                               atol=1e-4)
    assert preds[0]['pred_joints_3d'].shape == (21, 3)
    np.testing.assert_allclose(preds[0]['pred_joints_3d'][0], 0, atol=1e-4)
    assert preds[0]['pred_joints_absolute'] is False


def test_timm_backbone_reports_its_channels_and_strides():
    backbone = MODELS.build(dict(type='TimmBackbone', model_name='resnet18',
                                 channels=(8, 16, 32, 64),
                                 out_indices=(2, 3)))
    assert backbone.out_channels == [16, 32]
    assert backbone.strides == [8, 16]
    outs = backbone(torch.randn(2, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(2, 16, 8, 8), (2, 32, 4, 4)]


def test_aligned_error_ignores_a_similarity_and_counts_only_valid_joints():
    from egohands.geometry.rotation import axis_angle_to_matrix
    from egohands.models.heads.heatmap_lifting_head import HeatmapLiftingHead
    rng = np.random.default_rng(4)
    target = torch.as_tensor(rng.normal(0, 40, (2, 21, 3)))
    rotation = torch.as_tensor(np.asarray(axis_angle_to_matrix(
        rng.normal(size=(2, 3)))), dtype=target.dtype)
    moved = 1.3 * target @ rotation.transpose(1, 2) + 25.0
    weights = torch.ones(2, 21, dtype=target.dtype)
    assert HeatmapLiftingHead.aligned_error(moved, target, weights).item() \
        == pytest.approx(0.0, abs=1e-6)
    # a joint displaced by 10 mm in hand 0 only: the error is at most its
    # share (the fit spreads it), and it vanishes once that joint's
    # weight is 0
    bent = moved.clone()
    bent[0, 8, 0] += 10.0
    error = HeatmapLiftingHead.aligned_error(bent, target, weights).item()
    assert 0 < error < 10.0 * 1.3 / 42 * 2
    weights[0, 8] = 0
    assert HeatmapLiftingHead.aligned_error(bent, target, weights).item() \
        == pytest.approx(0.0, abs=1e-6)


def test_lifting_head_trains_grasp_and_aligned_losses():
    torch.manual_seed(0)
    head = MODELS.build(dict(
        type='HeatmapLiftingHead', in_channels=16, deconv_channels=(8, 8),
        skip_channels=(8, ), codec=dict(type='RootRelativeJointCodec'),
        keypoint_codec=dict(type='Pose25DCodec'), lifter_channels=32,
        grasp_classes=3, pa_weight=0.05))
    stats = dict(mean=[[0.0] * 3] * 21, std=[[30.0] * 3] * 21,
                 bone_sq_sum=48000.0)
    head.codec.set_statistics(stats)
    head.keypoint_codec.set_statistics(stats)
    samples = _samples(4, np.random.default_rng(1))
    for index, sample in enumerate(samples):
        sample.gt_grasp = torch.tensor([0, 1, 2, -1][index])  # -1: unknown
    feats = (torch.randn(4, 8, 8, 8), torch.randn(4, 16, 4, 4))
    losses = head.loss(feats, samples)
    assert set(losses) == {'loss_joints', 'loss_keypoints', 'loss_heatmap',
                           'loss_grasp', 'loss_pa'}
    sum(losses.values()).backward()
    assert head.grasp.weight.grad.abs().sum() > 0
    head.eval()
    with torch.no_grad():
        preds = head.predict(feats, samples)
    assert preds[0]['pred_grasp_logits'].shape == (3, )
    assert preds[0]['pred_keypoints_2d'].shape == (21, 2)
