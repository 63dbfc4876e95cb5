"""Heatmap3DHandHead: shapes, the volume layout and marginals, the masked
MSE loss, decoding with the codec."""
import numpy as np
import pytest
import torch

from egohands.models.heads.heatmap_3d_head import volume_marginals
from egohands.models.losses import JointMSELoss
from egohands.registry import MODELS
from egohands.structures import HandDataSample
from egohands.utils.errors import ConfigError

CODEC = dict(type='RootRelativeJointCodec')
SMALL = dict(type='Heatmap3DHandHead', in_channels=32, hidden_channels=16,
             depth_dim=8, heatmap_size=(6, 5), regressor_channels=24,
             codec=CODEC)


def _head(**overrides):
    return MODELS.build(dict(SMALL, **overrides))


def _set_stats(head, mean, std):
    head.codec.set_statistics(dict(mean=mean, std=std))


def test_official_size_output_and_layers():
    head = MODELS.build(dict(type='Heatmap3DHandHead', in_channels=64,
                             codec=CODEC))
    out = head((torch.randn(2, 64, 56, 56), torch.randn(2, 512, 7, 7)))
    assert out['joints'].shape == (2, 21, 3)
    assert head.volume_proj.out_channels == 21 * 56
    assert head.joint_regressor[0].in_features == 3 * 56
    assert head.joint_regressor[2].num_groups == 21
    assert head.volume_refine[2].num_groups == 21
    assert head.expand_norm.num_groups == 1
    assert isinstance(head.loss_module, JointMSELoss)


def test_marginals_match_loops():
    volume = np.random.default_rng(0).normal(size=(2, 3, 4, 5, 6))
    out = volume_marginals(torch.from_numpy(volume)).numpy()
    batch, joints, depth, height, width = volume.shape
    assert out.shape == (batch, joints, width + height + depth)
    for b in range(batch):
        for k in range(joints):
            x = [sum(volume[b, k, d, h, w] for d in range(depth)
                     for h in range(height)) for w in range(width)]
            y = [sum(volume[b, k, d, h, w] for d in range(depth)
                     for w in range(width)) for h in range(height)]
            z = [sum(volume[b, k, d, h, w] for h in range(height)
                     for w in range(width)) for d in range(depth)]
            np.testing.assert_allclose(out[b, k], x + y + z, rtol=1e-12)


def test_volume_channels_are_joint_major():
    """Channel j * D + d of ``volume_proj`` is depth bin d of joint j (the
    official reshape), and the marginals feed the regressor."""
    head = _head()
    seen = {}
    head.volume_proj.register_forward_hook(
        lambda m, i, o: seen.__setitem__('proj', o))
    head.volume_refine.register_forward_hook(
        lambda m, i, o: seen.__setitem__('refine', (i[0], o)))
    head.joint_regressor.register_forward_hook(
        lambda m, i, o: seen.__setitem__('regressor', i[0]))
    head((torch.randn(2, 32, 6, 5), ))
    proj, (refine_in, refine_out) = seen['proj'], seen['refine']
    assert refine_in.shape == (2, 21, 8, 6, 5)
    for joint, depth in [(0, 0), (3, 5), (20, 7)]:
        torch.testing.assert_close(refine_in[:, joint, depth],
                                   proj[:, joint * 8 + depth])
    torch.testing.assert_close(seen['regressor'],
                               volume_marginals(refine_out))


def test_heatmap_size_must_match_the_feature():
    with pytest.raises(ConfigError, match='heatmap_size'):
        _head()((torch.randn(1, 32, 5, 5), ))
    with pytest.raises(ConfigError, match=r'\(H, W\)'):
        _head(heatmap_size=(4, ))


def test_joint_mse_loss_hand_worked():
    pred = torch.tensor([[[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]],
                         [[0.0, 0.0, 3.0], [9.0, 9.0, 9.0]]])
    target = torch.zeros(2, 2, 3)
    weight = torch.tensor([[1.0, 1.0], [1.0, 0.0]])
    # per joint: (1 + 4 + 9) / 3, 0, 9 / 3, (masked) -> (14/3 + 3) / 3
    expected = (14 / 3 + 0 + 3) / 3
    loss = JointMSELoss(loss_weight=2.0)(pred, target, weight)
    assert loss.item() == pytest.approx(2 * expected)
    assert JointMSELoss()(pred, target, torch.zeros(2, 2)).item() == 0
    assert JointMSELoss()(pred, target).item() == pytest.approx(
        (14 / 3 + 3 + 81) / 4)


def _samples(joints, valid):
    samples = []
    for hand, flags in zip(joints, valid):
        sample = HandDataSample()
        sample.gt_joints_3d = hand
        sample.gt_joints_valid = flags
        samples.append(sample)
    return samples


def test_loss_is_masked_mse_in_codec_space():
    head = _head()
    rng = np.random.default_rng(1)
    mean = rng.normal(size=(21, 3)) * 10
    std = rng.uniform(5, 20, size=(21, 3))
    mean[0], std[0] = 0, 0
    _set_stats(head, mean, std)
    joints = rng.normal(size=(2, 21, 3)).astype(np.float32) * 50 + [0, 0, 400]
    valid = np.ones((2, 21), np.float32)
    valid[0, 5:9] = 0
    valid[1, 0] = 0  # no wrist: no wrist-relative target for that hand
    feats = (torch.randn(2, 32, 6, 5), )
    losses = head.loss(feats, _samples(joints, valid))
    pred = head(feats)['joints'].detach().double().numpy()
    target = (joints - joints[:, :1] - mean) / np.where(std > 0, std, 1)
    weight = valid * valid[:, :1]
    expected = (((pred - target)**2).mean(-1) * weight).sum() / weight.sum()
    assert set(losses) == {'loss_joints'}
    assert losses['loss_joints'].item() == pytest.approx(expected, rel=1e-5)


def test_predict_decodes_wrist_relative_mm():
    head = _head()
    mean = np.full((21, 3), 7.0)
    std = np.full((21, 3), 2.0)
    mean[0], std[0] = 0, 0
    _set_stats(head, mean, std)
    feats = (torch.randn(3, 32, 6, 5), )
    raw = head(feats)['joints']
    preds = head.predict(feats, [HandDataSample() for _ in range(3)])
    assert len(preds) == 3
    for pred, hand in zip(preds, raw):
        assert pred['pred_joints_absolute'] is False
        torch.testing.assert_close(pred['pred_joints_3d'][1:],
                                   hand[1:] * 2.0 + 7.0)
        assert torch.equal(pred['pred_joints_3d'][0], torch.zeros(3))
