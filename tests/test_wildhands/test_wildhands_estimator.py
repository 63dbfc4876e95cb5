"""WildHandsEstimator: WildHands / HandNet / ArcticNet-SF as configs of one
model; losses, a missing hand masked, the left-right camera term, grasp
cross-entropy, KPE wiring, predictions and the two-hand metric."""
import copy

import pytest
import torch
from mmengine.dataset import pseudo_collate

from egohands.models.estimators.wildhands_estimator import (
    relative_camera_loss, _cross_entropy)
from egohands.registry import DATASETS, METRICS, MODELS
from egohands.utils.errors import ConfigError
from test_wildhands.conftest import two_hand_dataset_cfg

KPE = dict(type='KeypointPositionalEncoding', variant='sparse',
           level='latent')
VARIANTS = {
    'wildhands': dict(crop_encoding=KPE),
    'wildhands-input-kpe': dict(crop_encoding=dict(KPE, level='input')),
    'handnet': dict(crop_encoding=None),
    'arcticnet-sf': dict(hand_backbone=None, crop_encoding=None),
}


def small_model(hand_dir, **overrides):
    """64-px frame and crops, SimpleCNN maps of 8 x 8 x 16."""
    cfg = dict(
        type='WildHandsEstimator',
        data_preprocessor=dict(type='ImageDictDataPreprocessor',
                               mean=[127.5] * 3, std=[64.0] * 3),
        backbone=dict(type='SimpleCNN', channels=(8, 16, 16)),
        hand_backbone=dict(type='SimpleCNN', channels=(8, 16, 16)),
        feature_conv=dict(channels=(16, 16, 16), feature_size=8),
        head=dict(hidden_channels=32, cam_init_channels=16),
        hand_model=dict(model_path=str(hand_dir)))
    cfg.update(overrides)
    torch.manual_seed(0)
    return MODELS.build(cfg)


@pytest.fixture(scope='module')
def batch(toy_two_hand):
    dataset = DATASETS.build(two_hand_dataset_cfg(toy_two_hand))
    return pseudo_collate([dataset[i] for i in range(len(dataset))])


@pytest.mark.parametrize('variant', list(VARIANTS))
def test_variant_trains_and_predicts(variant, hand_dir, batch):
    model = small_model(hand_dir, **VARIANTS[variant])
    assert (model.hand_backbone is None) == (variant == 'arcticnet-sf')
    assert (model.crop_encoding is None) == (variant in ('handnet',
                                                         'arcticnet-sf'))
    data = model.data_preprocessor(copy.deepcopy(batch), training=True)
    losses = model(**data, mode='loss')
    sides = ('right', 'left')
    for term in ('keypoints_3d', 'keypoints_2d', 'pose', 'betas', 'cam',
                 'grasp'):
        for side in sides:
            assert torch.isfinite(losses[f'loss_{term}_{side}'])
    assert torch.isfinite(losses['loss_relative_translation'])
    sum(losses.values()).backward()
    for name, param in model.named_parameters():
        assert param.grad is not None and torch.isfinite(param.grad).all(), \
            name
    model.eval()
    with torch.no_grad():
        samples = model.test_step(copy.deepcopy(batch))
    evaluated = 0
    for sample in samples:
        for side in sides:
            hand = sample.get(side)
            if hand.hand_present:
                assert hand.pred_joints_3d.shape == (21, 3)
                assert hand.pred_keypoints_2d.shape == (21, 2)
                assert hand.pred_grasp_logits.shape == (9, )
                assert hand.pred_mano['hand_pose'].shape == (45, )
                evaluated += 1
            else:
                assert 'pred_joints_3d' not in hand
    metric = METRICS.build(dict(type='TwoHandKeypoint3DMetric'))
    metric.process(None, [s.to_dict() for s in samples])
    results = metric.evaluate(len(samples))
    assert {'mpjpe', 'pa_mpjpe', 'mpjpe_abs', 'mrrpe'} <= set(results)


def test_a_missing_hands_ground_truth_is_ignored(hand_dir, batch):
    """Garbage in the empty ground truth of a missing hand changes no
    loss."""
    model = small_model(hand_dir, crop_encoding=KPE).eval()
    missing = [(i, side) for i, s in enumerate(batch['data_samples'])
               for side in ('right', 'left') if not s.get(side).hand_present]
    assert missing
    spoiled = copy.deepcopy(batch)
    for i, side in missing:
        hand = spoiled['data_samples'][i].get(side)
        hand.gt_joints_3d = torch.randn(21, 3) * 500
        hand.gt_joints_valid = torch.ones(21)
        hand.gt_keypoints_2d_valid = torch.ones(21)
        hand.gt_mano_valid = torch.tensor(1.0)
        hand.gt_mano_transl = torch.tensor([0.3, 0.2, 0.5])
        hand.gt_grasp = torch.tensor(4)
    with torch.no_grad():
        clean = model(**model.data_preprocessor(copy.deepcopy(batch)),
                      mode='loss')
        dirty = model(**model.data_preprocessor(spoiled), mode='loss')
    for key in clean:
        torch.testing.assert_close(clean[key], dirty[key], msg=key)


def test_relative_camera_loss_hand_worked():
    cam_r = torch.tensor([[1.0, 0.0, 0.0], [2.0, 1.0, 1.0]])
    cam_l = torch.tensor([[1.0, 0.2, 0.0], [9.0, 9.0, 9.0]])
    gt_r = torch.tensor([[1.0, 0.0, 0.0], [2.0, 1.0, 1.0]])
    gt_l = torch.tensor([[1.0, 0.1, 0.0], [2.0, 1.0, 1.0]])
    # only the first sample has both hands: error (0, 0.1, 0) -> 0.01 / 3
    loss = relative_camera_loss(cam_r, cam_l, gt_r, gt_l,
                                torch.tensor([1.0, 0.0]))
    assert loss.item() == pytest.approx(0.01 / 3, rel=1e-5)
    # shifting both hands alike leaves the relative term unchanged
    shift = torch.tensor([[0.5, -0.3, 0.2], [0.0, 0.0, 0.0]])
    assert relative_camera_loss(cam_r + shift, cam_l + shift, gt_r, gt_l,
                                torch.tensor([1.0, 0.0])).item() == \
        pytest.approx(0.01 / 3, rel=1e-5)


def test_grasp_cross_entropy_ignores_unlabelled_hands():
    logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0],
                           [5.0, 5.0, 5.0]])
    labels = torch.tensor([0, 2, -1])
    log_softmax = logits.log_softmax(-1)
    expected = -(log_softmax[0, 0] + log_softmax[1, 2]) / 2
    assert _cross_entropy(logits, labels).item() == pytest.approx(
        expected.item(), rel=1e-6)
    none = _cross_entropy(logits.requires_grad_(), torch.full((3, ), -1))
    assert none.item() == 0.0
    none.backward()  # a zero with a gradient path


def test_kpe_reads_the_crop_box(hand_dir, batch):
    """Moving the crop boxes (same pixels) changes WildHands' output and
    leaves HandNet's unchanged."""
    moved = copy.deepcopy(batch)
    for sample in moved['data_samples']:
        for side in ('right', 'left'):
            hand = sample.get(side)
            hand.set_metainfo(dict(crop_box=hand.crop_box + 7.0))
    for variant, changes in (('wildhands', True), ('handnet', False)):
        model = small_model(hand_dir, **VARIANTS[variant]).eval()
        with torch.no_grad():
            before = model(**model.data_preprocessor(copy.deepcopy(batch)))
            after = model(**model.data_preprocessor(copy.deepcopy(moved)))
        differ = not torch.allclose(before['right']['cam'],
                                    after['right']['cam'])
        assert differ == changes, variant


def test_configuration_errors(hand_dir):
    with pytest.raises(ConfigError, match='crop_encoding needs hand crops'):
        small_model(hand_dir, hand_backbone=None, crop_encoding=KPE)
    with pytest.raises(ConfigError, match='unknown loss_weights'):
        small_model(hand_dir, loss_weights=dict(kp3d=1.0))
    with pytest.raises(ConfigError, match='feature_size must be at least 5'):
        small_model(hand_dir, feature_conv=dict(channels=(8, 8, 8),
                                                feature_size=4))


class RecordingMaskLoss(torch.nn.Module):
    """A mask-loss stand-in that records its arguments."""

    def forward(self, vertices, faces, K, gt_mask, valid):
        self.calls = getattr(self, 'calls', []) + [
            (vertices, faces, K, gt_mask, valid)]
        return vertices.mean() * 0 + 1.0


def test_mask_loss_slot_gets_the_mask_camera(hand_dir, batch):
    """The mask loss sees the camera-frame mesh, the frame's K scaled to the
    32-px masks (pixel centres: f / 2, (c + 0.5) / 2 - 0.5), the masks and
    their validity (0 for missing hands)."""
    recorder = RecordingMaskLoss()
    model = small_model(hand_dir, crop_encoding=KPE, mask_loss=recorder,
                        loss_weights=dict(mask=2.0)).eval()
    with torch.no_grad():
        losses = model(**model.data_preprocessor(copy.deepcopy(batch)),
                       mode='loss')
    assert losses['loss_mask_right'].item() == pytest.approx(2.0)
    (vertices, faces, K, masks, valid), _ = recorder.calls
    samples = batch['data_samples']
    frame_K = torch.stack([torch.as_tensor(s.frame_K) for s in samples])
    expected = frame_K.clone()
    expected[:, :2, :2] /= 2
    expected[:, :2, 2] = (frame_K[:, :2, 2] + 0.5) / 2 - 0.5
    torch.testing.assert_close(K, expected)
    assert vertices.shape == (len(samples), 778, 3)
    assert faces.shape[1] == 3 and masks.shape == (len(samples), 32, 32)
    present = torch.tensor([float(s.right.hand_present) for s in samples])
    torch.testing.assert_close(valid, present)
