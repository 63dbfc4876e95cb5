"""TopdownHandEstimator: modes, un-flipping, 2D back to the image, post-
processors."""
import numpy as np
import pytest
import torch

from egohands.models.heads.base_head import BaseHandHead
from egohands.registry import MODELS, POSTPROCESSORS
from egohands.structures import HandDataSample

KNOWN_JOINTS = torch.arange(63, dtype=torch.float32).view(21, 3) + 1.0
KNOWN_2D = torch.tensor([[10.0, 20.0]]).repeat(21, 1)


@MODELS.register_module(name='_KnownOutputHead', force=True)
class _KnownOutputHead(BaseHandHead):
    """Predicts fixed joints (input frame) and 2D points (crop px)."""

    def __init__(self):
        super().__init__()
        self.scale = torch.nn.Parameter(torch.ones(()))

    def forward(self, feats):
        return dict(joints=feats[-1].mean(dim=(1, 2, 3))[:, None, None] *
                    self.scale)

    def loss(self, feats, data_samples, train_cfg=None):
        return dict(loss_dummy=self.forward(feats)['joints'].abs().mean())

    def predict(self, feats, data_samples, test_cfg=None):
        return [dict(pred_joints_3d=KNOWN_JOINTS.clone(),
                     pred_keypoints_2d=KNOWN_2D.clone(),
                     pred_joints_3d_std=torch.ones(21, 3),
                     pred_joints_absolute=True) for _ in data_samples]


@POSTPROCESSORS.register_module(name='_ShiftZPostprocessor', force=True)
class _ShiftZPostprocessor:

    def __init__(self, shift_mm):
        self.shift_mm = shift_mm

    def __call__(self, samples):
        for sample in samples:
            sample.pred_joints_3d = sample.pred_joints_3d + torch.tensor(
                [0.0, 0.0, self.shift_mm])
        return samples


def _model(head=None, test_cfg=None):
    return MODELS.build(dict(
        type='TopdownHandEstimator',
        backbone=dict(type='SimpleCNN', channels=(4, 8)),
        head=head or dict(type='_KnownOutputHead'),
        data_preprocessor=dict(type='HandDataPreprocessor',
                               mean=[0, 0, 0], std=[1, 1, 1]),
        test_cfg=test_cfg))


# crop = 2 x image + (3, 5): image point (u, v) -> (2u + 3, 2v + 5)
CROP_FROM_IMG = np.array([[2.0, 0, 3], [0, 2.0, 5], [0, 0, 1]])


def _samples(flips):
    return [HandDataSample(metainfo=dict(flip=f, crop_from_img=CROP_FROM_IMG))
            for f in flips]


def test_predict_returns_original_frame():
    model = _model()
    inputs = torch.zeros(3, 3, 16, 16)
    out = model(inputs, _samples(['none', 'horizontal', 'vertical']),
                mode='predict')
    torch.testing.assert_close(out[0].pred_joints_3d, KNOWN_JOINTS)
    flipped_x = KNOWN_JOINTS.clone()
    flipped_x[:, 0] *= -1
    torch.testing.assert_close(out[1].pred_joints_3d, flipped_x)
    flipped_y = KNOWN_JOINTS.clone()
    flipped_y[:, 1] *= -1
    torch.testing.assert_close(out[2].pred_joints_3d, flipped_y)
    # crop (10, 20) -> image ((10 - 3) / 2, (20 - 5) / 2), whatever the flip
    # (crop_from_img includes the flip)
    for sample in out:
        torch.testing.assert_close(sample.pred_keypoints_2d,
                                   torch.tensor([[3.5, 7.5]]).repeat(21, 1))
        torch.testing.assert_close(sample.pred_joints_3d_std,
                                   torch.ones(21, 3))
        assert sample.pred_joints_absolute is True


def test_postprocessors_run_after_unflipping():
    model = _model(test_cfg=dict(
        postprocess=[dict(type='_ShiftZPostprocessor', shift_mm=100.0)]))
    out = model(torch.zeros(1, 3, 16, 16), _samples(['horizontal']),
                mode='predict')
    expected = KNOWN_JOINTS.clone()
    expected[:, 0] *= -1
    expected[:, 2] += 100.0
    torch.testing.assert_close(out[0].pred_joints_3d, expected)


def test_loss_tensor_and_bad_mode():
    model = _model()
    inputs = torch.rand(2, 3, 16, 16)
    losses = model(inputs, _samples(['none', 'none']), mode='loss')
    assert set(losses) == {'loss_dummy'} and losses['loss_dummy'] > 0
    assert model(inputs, mode='tensor')['joints'].shape == (2, 1, 1)
    with pytest.raises(ValueError, match="'loss', 'predict', 'tensor'"):
        model(inputs, mode='train')


def test_tiny_estimator_trains_and_predicts_wrist_relative():
    torch.manual_seed(0)
    model = _model(head=dict(
        type='RegressionHead', in_channels=8, hidden_dims=(16, ),
        codec=dict(type='RootRelativeJointCodec')))
    rng = np.random.default_rng(0)
    mean, std = rng.normal(0, 30, (21, 3)), np.full((21, 3), 20.0)
    mean[0], std[0] = 0.0, 0.0  # the wrist, as computed from data
    model.head.codec.set_statistics(dict(mean=mean, std=std))
    samples = _samples(['none', 'none'])
    for sample in samples:
        sample.gt_joints_3d = torch.randn(21, 3) * 40 + 500
        sample.gt_joints_valid = torch.ones(21)
    data = dict(inputs=[torch.randint(0, 255, (3, 16, 16), dtype=torch.uint8)
                        for _ in range(2)], data_samples=samples)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    first = None
    for _ in range(30):
        batch = model.data_preprocessor(data, training=True)
        loss = model(**batch, mode='loss')['loss_joints']
        first = loss.item() if first is None else first
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.7 * first
    model.eval()
    batch = model.data_preprocessor(data, training=False)
    out = model(**batch, mode='predict')
    assert out[0].pred_joints_3d.shape == (21, 3)
    assert out[0].pred_joints_absolute is False
    assert torch.all(out[0].pred_joints_3d[0] == 0)  # wrist at the origin


def test_mano_parameters_are_unflipped():
    from egohands.models.estimators.original_frame import to_original_frame
    mano = dict(global_orient=torch.tensor([0.1, 0.2, 0.3]),
                hand_pose=torch.arange(45, dtype=torch.float32),
                transl=torch.tensor([0.01, 0.02, 0.5]),
                betas=torch.ones(10))
    out = to_original_frame(dict(pred_mano=mano), dict(flip='horizontal'))
    # a mirror of x keeps the x component of axis-angle and negates y, z
    torch.testing.assert_close(out['pred_mano']['global_orient'],
                               torch.tensor([0.1, -0.2, -0.3]))
    expected_pose = torch.arange(45, dtype=torch.float32).view(15, 3)
    expected_pose[:, 1:] *= -1
    torch.testing.assert_close(out['pred_mano']['hand_pose'],
                               expected_pose.view(45))
    torch.testing.assert_close(out['pred_mano']['transl'],
                               torch.tensor([-0.01, 0.02, 0.5]))
    torch.testing.assert_close(out['pred_mano']['betas'], torch.ones(10))
    unchanged = to_original_frame(dict(pred_mano=mano), dict(flip='none'))
    assert unchanged['pred_mano'] is mano
