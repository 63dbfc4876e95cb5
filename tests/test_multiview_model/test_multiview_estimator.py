"""Fusion, MANO head and the whole estimator: shapes, gradients, masks,
equivariance, and world-frame MANO that reproduces the world joints."""
import copy

import numpy as np
import pytest
import torch

from egohands.hand_models import MANOHand
from egohands.models.multiview import ConcatViewFusion, MultiViewMANOHead
from egohands.models.multiview.feature_transform import feature_points

from .small_model import CROP, VIEWS, packed_batch, small_estimator


@pytest.fixture(scope='module')
def hand_dir(tmp_path_factory):
    from egohands.synth.hand import write_synthetic_model
    folder = tmp_path_factory.mktemp('mv_hand')
    write_synthetic_model(str(folder))
    return str(folder)


def test_fusion_shape_and_masked_views_have_no_effect():
    torch.manual_seed(0)
    fusion = ConcatViewFusion(num_views=3, in_channels=6, out_channels=5)
    fusion.eval()
    features = torch.randn(2, 3, 6, 4, 4, requires_grad=True)
    mask = torch.tensor([[1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
    out = fusion(features, mask)
    assert out.shape == (2, 5, 4, 4)
    changed = features.detach().clone()
    changed[0, 1] += 10.0
    torch.testing.assert_close(fusion(changed, mask)[0], out[0])
    out.square().sum().backward()
    assert features.grad[0, 1].abs().max() == 0
    assert features.grad[0, 0].abs().max() > 0
    assert features.grad[1, 1].abs().max() > 0
    with pytest.raises(ValueError, match='expects 3 views'):
        fusion(features[:, :2], mask[:, :2])


def _head_inputs(seed=0):
    gen = torch.Generator().manual_seed(seed)
    invariant = torch.randn(2, 12, 2, 2, generator=gen)
    variant = torch.randn(2, VIEWS, 6, 2, 2, generator=gen) * 0.05
    variant[:, :, 4:] += 0.3
    return invariant, variant


def test_head_shapes_gradients_and_equivariant_position(hand_dir):
    torch.manual_seed(0)
    head = MultiViewMANOHead(12, (2, 2), VIEWS, 2,
                             hand_model=dict(model_path=hand_dir))
    with torch.no_grad():  # leave the zero-initialised start
        head.params.weight.normal_(0, 0.01)
    invariant, variant = _head_inputs()
    mask = torch.tensor([[1.0, 1.0], [1.0, 0.0]])
    sides = torch.tensor([0, 1])
    invariant.requires_grad_(True)
    out = head(invariant, variant, mask, sides)
    shapes = {k: tuple(v.shape) for k, v in out.items()}
    assert shapes == dict(hand_pose=(2, 15), betas=(2, 10),
                          global_orient=(2, 3), transl=(2, 3), wrist=(2, 3),
                          joints=(2, 21, 3), vertices=(2, 778, 3))
    out['joints'].square().sum().backward()
    assert invariant.grad.abs().max() > 0
    assert all(p.grad is not None and torch.isfinite(p.grad).all()
               for p in head.parameters())
    # the wrist joint of the MANO output is the predicted position
    torch.testing.assert_close(out['joints'][:, 0], out['wrist'],
                               atol=1e-6, rtol=0)
    # a convex combination of the present views' points
    points = feature_points(variant.flatten(0, 1)).reshape(2, VIEWS, -1, 3)
    assert (out['wrist'][1] >= points[1, 0].min(0).values - 1e-6).all()
    assert (out['wrist'][1] <= points[1, 0].max(0).values + 1e-6).all()
    with torch.no_grad():
        shift = torch.tensor([0.2, -0.1, 0.4])
        moved = variant.clone()
        moved[:, :, :2] += shift[0]
        moved[:, :, 2:4] += shift[1]
        moved[:, :, 4:] += shift[2]
        out2 = head(invariant, moved, mask, sides)
        torch.testing.assert_close(out2['joints'], out['joints'] + shift,
                                   atol=1e-6, rtol=0)
        torch.testing.assert_close(out2['hand_pose'], out['hand_pose'])
        # the masked view's points do not count
        other = variant.clone()
        other[1, 1] += 5.0
        torch.testing.assert_close(
            head(invariant, other, mask, sides)['wrist'][1], out['wrist'][1])


def test_head_refuses_to_change_the_toolkit_conventions(hand_dir):
    from egohands.utils.errors import ConfigError
    with pytest.raises(ConfigError, match="drop 'flat_hand_mean'"):
        MultiViewMANOHead(12, (2, 2), VIEWS, 2, hand_model=dict(
            model_path=hand_dir, flat_hand_mean=True))


@pytest.fixture(scope='module')
def model(hand_dir):
    return small_estimator(hand_dir)


def test_loss_backward_reaches_every_part(model):
    model.train()
    data = model.data_preprocessor(packed_batch(), training=True)
    assert tuple(data['inputs'].shape) == (3, VIEWS, 3, CROP, CROP)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_joints', 'loss_joints_relative',
                           'loss_betas', 'loss_uv', 'loss_depth'}
    total = sum(losses.values())
    assert torch.isfinite(total)
    model.zero_grad()
    total.backward()
    for part in ('backbone', 'uv_regressor', 'lifter', 'fusion', 'head'):
        grads = [p.grad for p in getattr(model, part).parameters()]
        assert any(g is not None and g.abs().sum() > 0 for g in grads), part
        assert all(torch.isfinite(g).all() for g in grads if g is not None)


def test_predictions_and_world_mano_reproduce_the_world_joints(model,
                                                               hand_dir):
    model.eval()
    with torch.no_grad():
        samples = model.test_step(packed_batch())
    hands = {side: MANOHand(hand_dir, side=side, use_pca=True,
                            num_pca_comps=15, flat_hand_mean=False)
             for side in ('left', 'right')}
    for sample in samples:
        assert tuple(sample.pred_joints_3d.shape) == (21, 3)
        assert sample.pred_joints_absolute
        assert tuple(sample.pred_view_keypoints_2d.shape) == (VIEWS, 21, 2)
        mano = sample.pred_mano
        with torch.no_grad():
            out = hands[sample.hand_side](
                mano['mano_theta'][None], mano['betas'][None],
                mano['wrist_xform_world'][None, :3],
                mano['wrist_xform_world'][None, 3:])
            in_ref = hands[sample.hand_side](
                mano['mano_theta'][None], mano['betas'][None],
                mano['global_orient'][None], mano['transl'][None])
        torch.testing.assert_close(in_ref.joints_m[0] * 1000.0,
                                   sample.pred_joints_3d, atol=0.05, rtol=0)
        torch.testing.assert_close(out.joints_m[0] * 1000.0,
                                   sample.pred_joints_world, atol=0.05,
                                   rtol=0)
        world = np.asarray(sample.T_world_from_ref, np.float64)
        expected = sample.pred_joints_3d.double().numpy() @ world[:3, :3].T \
            + world[:3, 3]
        np.testing.assert_allclose(sample.pred_joints_world.numpy(),
                                   expected, atol=0.05)


def test_a_translated_rig_translates_the_prediction(model):
    """Moving every crop camera by t (reference frame) moves the predicted
    hand by t and leaves its pose: the split FTL end to end."""
    model.eval()
    batch = packed_batch()
    moved = copy.deepcopy(batch)
    shift = np.array([0.05, -0.02, 0.1], np.float32)
    for sample in moved['data_samples']:
        transforms = sample.T_ref_from_crop.copy()
        transforms[:, :3, 3] += shift
        sample.set_metainfo(dict(T_ref_from_crop=transforms))
    with torch.no_grad():
        before = model.test_step(batch)
        after = model.test_step(moved)
    for a, b in zip(before, after):
        torch.testing.assert_close(b.pred_joints_3d,
                                   a.pred_joints_3d + 1000 * torch.from_numpy(
                                       shift), atol=1e-2, rtol=0)
        torch.testing.assert_close(b.pred_mano['mano_theta'],
                                   a.pred_mano['mano_theta'])


def test_a_model_of_other_views_names_the_setting(model):
    from egohands.utils.errors import ConfigError
    data = model.data_preprocessor(packed_batch(views=3))
    with pytest.raises(ConfigError, match='model.num_views'):
        model(**data, mode='tensor')
