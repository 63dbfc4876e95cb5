"""The tiny estimator's parts: preprocessor, SimpleCNN, loss, head."""
import numpy as np
import pytest
import torch

from egohands.registry import MODELS
from egohands.structures import HandDataSample
from egohands.utils.errors import ConfigError


def test_data_preprocessor_swaps_channels_normalises_and_stacks():
    preprocessor = MODELS.build(dict(type='HandDataPreprocessor',
                                     mean=[10, 20, 30], std=[2, 4, 5],
                                     bgr_to_rgb=True))
    images = [torch.randint(0, 255, (3, 4, 5), dtype=torch.uint8)
              for _ in range(2)]
    samples = [HandDataSample(), HandDataSample()]
    out = preprocessor(dict(inputs=images, data_samples=samples))
    assert out['inputs'].shape == (2, 3, 4, 5)
    assert out['inputs'].dtype == torch.float32
    rgb = images[1].flip(0).float()
    expected = (rgb - torch.tensor([10., 20., 30.])[:, None, None]) / \
        torch.tensor([2., 4., 5.])[:, None, None]
    torch.testing.assert_close(out['inputs'][1], expected)
    assert out['data_samples'] is samples or len(out['data_samples']) == 2


def test_simple_cnn_shapes():
    backbone = MODELS.build(dict(type='SimpleCNN', channels=(4, 8, 16),
                                 out_indices=(0, -1)))
    feats = backbone(torch.rand(2, 3, 32, 48))
    assert [tuple(f.shape) for f in feats] == [(2, 4, 16, 24),
                                               (2, 16, 4, 6)]
    assert backbone.out_channels == [4, 16]


def test_mpjpe_loss_hand_worked():
    loss = MODELS.build(dict(type='MPJPELoss', loss_weight=2.0))
    pred = torch.zeros(1, 3, 3)
    target = torch.tensor([[[3.0, 4.0, 0.0], [0.0, 0.0, 1.0],
                            [100.0, 0.0, 0.0]]])
    weight = torch.tensor([[1.0, 1.0, 0.0]])
    # distances 5 and 1 over two valid joints, times 2
    assert loss(pred, target, weight).item() == 6.0
    per_all = MODELS.build(dict(type='MPJPELoss', average_over='all'))
    assert abs(per_all(pred, target, weight).item() - 2.0) < 1e-6
    assert abs(per_all(pred, target).item() - (5 + 1 + 100) / 3) < 1e-5


def test_regression_head_predicts_decoded_joints():
    head = MODELS.build(dict(type='RegressionHead', in_channels=8,
                             hidden_dims=(), num_joints=21,
                             codec=dict(type='RootRelativeJointCodec')))
    mean = np.random.default_rng(0).normal(0, 10, (21, 3))
    std = np.full((21, 3), 3.0)
    std[0] = 0
    mean[0] = 0
    head.codec.set_statistics(dict(mean=mean, std=std))
    feats = (torch.rand(2, 8, 3, 3), )
    raw = head(feats)['joints']
    preds = head.predict(feats, [HandDataSample(), HandDataSample()])
    expected = raw[1].detach().numpy() * std + mean
    np.testing.assert_allclose(preds[1]['pred_joints_3d'].detach().numpy(),
                               expected, rtol=1e-5, atol=1e-5)
    assert preds[1]['pred_joints_absolute'] is False


def test_head_width_comes_from_the_backbone_or_the_config():
    """TopdownHandEstimator fills ``head.in_channels`` from the backbone's
    ``out_channels[in_index]`` only when the config leaves it out."""
    from egohands.models.estimators.topdown_hand_estimator import \
        with_input_width
    backbone = MODELS.build(dict(type='SimpleCNN', channels=(4, 8, 16),
                                 out_indices=(0, 2)))
    head = dict(type='RegressionHead',
                codec=dict(type='RootRelativeJointCodec'))
    assert with_input_width(head, backbone)['in_channels'] == 16
    assert with_input_width(dict(head, in_channels=5),
                            backbone)['in_channels'] == 5
    # Heatmap3DHandHead reads output 0 unless its config says otherwise
    heatmap = dict(type='Heatmap3DHandHead', codec=head['codec'])
    assert with_input_width(heatmap, backbone)['in_channels'] == 4
    assert with_input_width(dict(heatmap, in_index=1),
                            backbone)['in_channels'] == 16
    with pytest.raises(ConfigError, match='out_channels'):
        with_input_width(head, torch.nn.Identity())
