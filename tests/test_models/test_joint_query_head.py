"""JointQueryTransformerHead: structure, loss and predict against the codec
and losses, the RLE variant, and short training runs (acceptance)."""
import pytest
import torch
from mmengine.optim import OptimWrapper

from egohands.models.heads.joint_query_head import JointQueryTransformerHead
from egohands.models.losses import MPJPELoss, RLELoss
from egohands.registry import MODELS
from egohands.structures import HandDataSample
from egohands.utils.errors import ConfigError

K = 21


def _stats(seed=0):
    gen = torch.Generator().manual_seed(seed)
    mean = 30 * torch.randn(K, 3, generator=gen)
    std = 5 + 10 * torch.rand(K, 3, generator=gen)
    mean[0], std[0] = 0.0, 0.0  # the wrist, as computed from data
    return dict(mean=mean.tolist(), std=std.tolist())


def _head(with_sigma=False, loss=None, **kwargs):
    kwargs = dict(dict(embed_dim=32, depth=2), **kwargs)
    head = JointQueryTransformerHead(
        in_channels=16, codec=dict(type='RootRelativeJointCodec'),
        with_sigma=with_sigma, loss=loss, **kwargs)
    head.codec.set_statistics(_stats())
    return head


def _samples(batch, seed=0):
    gen = torch.Generator().manual_seed(seed)
    samples = []
    for _ in range(batch):
        joints = 40 * torch.randn(K, 3, generator=gen) + torch.tensor(
            [0.0, 0.0, 400.0])
        valid = torch.ones(K)
        valid[5] = 0.0
        samples.append(HandDataSample(
            gt_joints_3d=joints, gt_joints_valid=valid,
            metainfo=dict(flip='none')))
    return samples


def test_structure_follows_hp_vit():
    head = _head(depth=3, embed_dim=128)
    assert head.joint_queries.shape == (K, 128)
    assert len(head.decoder.layers) == 3 and head.decoder.norm is None
    layer = head.decoder.layers[0]
    assert layer.norm_first
    assert layer.self_attn.num_heads == 2  # d // 64
    assert layer.linear1.out_features == 4 * 128
    assert layer.dropout.p == pytest.approx(0.1)
    assert head.readout.out_features == 3 and head.sigma_readout is None


def test_forward_shapes_from_featmap_and_tokens():
    head = _head(with_sigma=True, loss=dict(type='RLELoss')).eval()
    featmap = torch.randn(2, 16, 4, 3)
    out = head((featmap, ))
    assert out['joints'].shape == (2, K, 3) and out['sigma'].shape == (2, K, 3)
    assert torch.all(out['sigma'] > 0) and torch.all(out['sigma'] < 1)
    tokens = featmap.flatten(2).transpose(1, 2)
    torch.testing.assert_close(head(tokens)['joints'], out['joints'])


def test_output_ignores_the_order_of_memory_tokens_but_not_of_queries():
    """No positional encoding in the head (as HP-ViT): the decoder sees the
    memory as a set, while each joint has its own query."""
    head = _head().eval()
    with torch.no_grad():
        head.readout.weight.normal_()  # make the readout non-negligible
    tokens = torch.randn(1, 12, 16)
    shuffled = tokens[:, torch.randperm(12)]
    torch.testing.assert_close(head(tokens)['joints'],
                               head(shuffled)['joints'], atol=1e-5,
                               rtol=1e-5)
    joints = head(tokens)['joints'][0]
    assert torch.cdist(joints, joints).fill_diagonal_(1.0).min() > 1e-4


def test_mpjpe_loss_is_taken_on_codec_targets():
    head = _head().eval()
    feats = (torch.randn(3, 16, 4, 3), )
    samples = _samples(3)
    losses = head.loss(feats, samples)
    joints = torch.stack([s.gt_joints_3d for s in samples])
    valid = torch.stack([s.gt_joints_valid for s in samples])
    relative = joints - joints[:, :1]
    std = head.codec.std.clone()
    std[0] = 1.0
    targets = (relative - head.codec.mean) / std
    expected = MPJPELoss()(head(feats)['joints'], targets, valid)
    assert list(losses) == ['loss_joints']
    torch.testing.assert_close(losses['loss_joints'], expected)


def test_predict_decodes_to_wrist_relative_mm():
    head = _head(with_sigma=True, loss=dict(type='RLELoss')).eval()
    feats = (torch.randn(2, 16, 4, 3), )
    preds = head.predict(feats, _samples(2))
    out = head(feats)
    for index, pred in enumerate(preds):
        assert pred['pred_joints_absolute'] is False
        expected = out['joints'][index] * head.codec.std + head.codec.mean
        torch.testing.assert_close(pred['pred_joints_3d'], expected)
        torch.testing.assert_close(pred['pred_joints_3d'][0], torch.zeros(3))
        torch.testing.assert_close(
            pred['pred_joints_3d_std'],
            out['sigma'][index] * head.codec.std, atol=1e-5, rtol=1e-4)


def test_rle_loss_masks_the_root_joint():
    head = _head(with_sigma=True,
                 loss=dict(type='RLELoss', use_flow=False)).eval()
    feats = (torch.randn(2, 16, 4, 3), )
    samples = _samples(2)
    out = head(feats)
    encoded = head.codec.encode(
        torch.stack([s.gt_joints_3d for s in samples]),
        torch.stack([s.gt_joints_valid for s in samples]))
    weights = encoded['target_weights'].clone()
    weights[:, 0] = 0.0
    expected = RLELoss(use_flow=False)(out['joints'], out['sigma'],
                                       encoded['targets'], weights)
    torch.testing.assert_close(head.loss(feats, samples)['loss_joints'],
                               expected)


def test_loss_and_sigma_flag_must_agree():
    with pytest.raises(ConfigError, match='with_sigma=True'):
        _head(with_sigma=False, loss=dict(type='RLELoss'))
    with pytest.raises(ConfigError, match='RLELoss'):
        _head(with_sigma=True, loss=dict(type='MPJPELoss'))


def test_mpjpe_checkpoint_initialises_the_rle_head():
    mpjpe_head = _head()
    rle_head = _head(with_sigma=True, loss=dict(type='RLELoss'))
    result = rle_head.load_state_dict(mpjpe_head.state_dict(), strict=False)
    assert not result.unexpected_keys
    assert all(key.startswith(('sigma_readout.', 'loss_module.flow.'))
               for key in result.missing_keys)
    torch.testing.assert_close(rle_head.readout.weight,
                               mpjpe_head.readout.weight)


def _tiny_estimator(head_loss, with_sigma):
    model = MODELS.build(dict(
        type='TopdownHandEstimator',
        data_preprocessor=dict(type='HandDataPreprocessor',
                               mean=[127.5] * 3, std=[64.0] * 3),
        backbone=dict(type='ViTBackbone',
                      arch=dict(embed_dim=32, depth=1, num_heads=2),
                      img_size=(32, 32)),
        head=dict(type='JointQueryTransformerHead', in_channels=32,
                  embed_dim=32, depth=1, dropout=0.0, with_sigma=with_sigma,
                  codec=dict(type='RootRelativeJointCodec'),
                  loss=head_loss)))
    model.head.codec.set_statistics(_stats())
    return model


@pytest.mark.parametrize('loss,with_sigma', [
    (dict(type='MPJPELoss'), False),
    (dict(type='RLELoss', use_flow=False), True),
    (dict(type='RLELoss', use_flow=True), True),
    (dict(type='RLELoss', use_flow=True, q_distribution='gaussian'), True),
])
def test_trains_with_a_decreasing_loss(loss, with_sigma):
    torch.manual_seed(0)
    model = _tiny_estimator(loss, with_sigma)
    gen = torch.Generator().manual_seed(1)
    data = dict(inputs=[torch.randint(0, 255, (3, 32, 32), generator=gen,
                                      dtype=torch.uint8) for _ in range(8)],
                data_samples=_samples(8))
    optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=2e-3))
    losses = [model.train_step(data, optim)['loss'].item()
              for _ in range(25)]
    assert sum(losses[-3:]) / 3 < sum(losses[:3]) / 3 - 0.05


def _sided(samples, sides, flips):
    for sample, side, flip in zip(samples, sides, flips):
        sample.set_metainfo(dict(hand_side=side, flip=flip))
    return samples


def test_side_conditioning_uses_the_apparent_side():
    head = _head(side_conditioned=True)
    samples = _sided(_samples(4), ['right', 'left', 'right', 'left'],
                     ['none', 'none', 'vertical', 'horizontal'])
    # a vertical flip mirrors without renaming; horizontal already renamed
    assert head.looks_left(samples, torch.device('cpu')).tolist() == [
        False, True, True, True]
    assert _head().looks_left(samples, torch.device('cpu')) is None


def test_side_embedding_changes_predictions_and_learns():
    torch.manual_seed(0)
    head = _head(side_conditioned=True).eval()
    with torch.no_grad():
        head.side_embedding.normal_()
    feats = (torch.randn(1, 16, 3, 2).expand(2, -1, -1, -1), )
    right, left = head.predict(feats, _sided(_samples(2), ['right', 'left'],
                                             ['none', 'none']))
    assert not torch.allclose(right['pred_joints_3d'],
                              left['pred_joints_3d'])
    head.train()
    losses = head.loss(feats, _sided(_samples(2), ['right', 'left'],
                                     ['none', 'none']))
    losses['loss_joints'].backward()
    assert head.side_embedding.grad.abs().sum() > 0


def test_side_conditioning_needs_a_side():
    head = _head(side_conditioned=True)
    with pytest.raises(ConfigError, match='hand_side'):
        head.predict((torch.randn(1, 16, 3, 2), ), _samples(1))
