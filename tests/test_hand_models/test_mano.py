"""MANOHand: smplx underneath, canonical joints, conventions, errors."""
import pickle
import shutil

import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from egohands.hand_models import MANOHand, build_hand_model
from egohands.hand_models.mano_layout import FINGERTIP_VERTEX_IDS
from egohands.registry import MODELS
from egohands.utils.errors import ConfigError, MissingAssetError

from .fake_chumpy import write_official_like

AA_MIRROR = torch.tensor(np.tile([1.0, -1.0, -1.0], 15), dtype=torch.float32)


def _inputs(batch=3, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return dict(hand_pose=0.4 * torch.randn(batch, 45, generator=gen),
                betas=torch.randn(batch, 10, generator=gen),
                global_orient=torch.randn(batch, 3, generator=gen),
                transl=0.2 * torch.randn(batch, 3, generator=gen))


def _run(model, **inputs):
    with torch.no_grad():
        return model(**inputs)


@pytest.mark.parametrize('side', ['right', 'left'])
@pytest.mark.parametrize('flat', [True, False])
def test_matches_smplx_mano(synthetic_dir, smplx_mano, side, flat):
    hand = MANOHand(str(synthetic_dir), side=side, flat_hand_mean=flat)
    reference = smplx_mano(side, use_pca=False, flat_hand_mean=flat)
    inputs = _inputs()
    out = _run(hand, **inputs)
    ref = _run(reference, **inputs)
    torch.testing.assert_close(out.vertices_m, ref.vertices, atol=1e-6,
                               rtol=0)
    torch.testing.assert_close(out.mano_joints_m, ref.joints, atol=1e-6,
                               rtol=0)
    assert out.vertices_m.shape == (3, 778, 3)
    assert out.joints_m.shape == (3, 21, 3)


@pytest.mark.parametrize('flat', [True, False])
def test_rotation_matrices_equal_axis_angle(synthetic_dir, flat):
    hand = MANOHand(str(synthetic_dir), flat_hand_mean=flat)
    inputs = _inputs()
    as_matrix = dict(inputs)
    as_matrix['hand_pose'] = torch.tensor(
        Rotation.from_rotvec(inputs['hand_pose'].reshape(-1, 3).numpy())
        .as_matrix().reshape(3, 15, 3, 3), dtype=torch.float32)
    as_matrix['global_orient'] = torch.tensor(
        Rotation.from_rotvec(inputs['global_orient'].numpy()).as_matrix()
        [:, None], dtype=torch.float32)
    torch.testing.assert_close(_run(hand, **as_matrix).vertices_m,
                               _run(hand, **inputs).vertices_m, atol=2e-6,
                               rtol=0)


def test_joints_are_in_the_canonical_order(synthetic_dir):
    out = _run(MANOHand(str(synthetic_dir)), **_inputs())
    joints, vertices, mano = out.joints_m, out.vertices_m, out.mano_joints_m
    tips = {'thumb': 4, 'index': 8, 'middle': 12, 'ring': 16, 'pinky': 20}
    for name, canonical in tips.items():
        vertex = FINGERTIP_VERTEX_IDS[name]
        torch.testing.assert_close(joints[:, canonical], vertices[:, vertex])
    # wrist; thumb1-3 = MANO 13-15; index1-3 = MANO 1-3; ring1 = MANO 10;
    # pinky1 = MANO 7
    for canonical, mano_index in ((0, 0), (1, 13), (2, 14), (3, 15), (5, 1),
                                  (7, 3), (9, 4), (13, 10), (17, 7)):
        torch.testing.assert_close(joints[:, canonical], mano[:, mano_index])


def test_mean_convention_adds_hands_mean(synthetic_dir, model_data):
    flat = MANOHand(str(synthetic_dir), flat_hand_mean=True)
    relative = MANOHand(str(synthetic_dir), flat_hand_mean=False)
    mean = torch.tensor(model_data['right']['hands_mean'],
                        dtype=torch.float32)
    inputs = _inputs()
    shifted = dict(inputs, hand_pose=inputs['hand_pose'] + mean)
    out = _run(relative, **inputs)
    torch.testing.assert_close(out.vertices_m,
                               _run(flat, **shifted).vertices_m, atol=1e-6,
                               rtol=0)
    torch.testing.assert_close(out.hand_pose_flat, shifted['hand_pose'])


@pytest.mark.parametrize('flat', [True, False])
def test_pca_with_15_components_matches_smplx(synthetic_dir, smplx_mano,
                                              flat):
    hand = MANOHand(str(synthetic_dir), flat_hand_mean=flat, use_pca=True,
                    num_pca_comps=15)
    reference = smplx_mano('right', use_pca=True, num_pca_comps=15,
                           flat_hand_mean=flat)
    inputs = _inputs()
    inputs['hand_pose'] = torch.randn(3, 15,
                                      generator=torch.Generator()
                                      .manual_seed(3))
    torch.testing.assert_close(_run(hand, **inputs).vertices_m,
                               _run(reference, **inputs).vertices,
                               atol=1e-6, rtol=0)


def test_pca_with_45_components_stays_pca(synthetic_dir, model_data):
    data = model_data['right']
    pca = MANOHand(str(synthetic_dir), flat_hand_mean=False, use_pca=True,
                   num_pca_comps=45)
    plain = MANOHand(str(synthetic_dir), flat_hand_mean=True)
    pose = _inputs()['hand_pose']
    coeffs = (pose.double().numpy() - data['hands_mean']) @ data[
        'hands_components'].T
    a = _run(pca, hand_pose=torch.tensor(coeffs, dtype=torch.float32))
    torch.testing.assert_close(a.vertices_m,
                               _run(plain, hand_pose=pose).vertices_m,
                               atol=1e-6, rtol=0)


def _buggy_left_copy(synthetic_dir, folder):
    """A model folder whose left shapedirs[:, 0] equals the right one, like
    the official MANO_LEFT.pkl."""
    shutil.copy(synthetic_dir / 'MANO_RIGHT.pkl', folder)
    with open(synthetic_dir / 'MANO_LEFT.pkl', 'rb') as f:
        left = pickle.load(f)
    left['shapedirs'] = left['shapedirs'].copy()
    left['shapedirs'][:, 0, :] *= -1
    with open(folder / 'MANO_LEFT.pkl', 'wb') as f:
        pickle.dump(left, f)


def test_left_shapedirs_fix(synthetic_dir, tmp_path):
    _buggy_left_copy(synthetic_dir, tmp_path)
    inputs = _inputs()
    mirrored = dict(inputs, hand_pose=inputs['hand_pose'] * AA_MIRROR,
                    global_orient=inputs['global_orient'] * AA_MIRROR[:3],
                    transl=inputs['transl'] * torch.tensor([-1.0, 1, 1]))
    right = _run(MANOHand(str(synthetic_dir)), **inputs).vertices_m
    fixed = _run(MANOHand(str(tmp_path), side='left'), **mirrored).vertices_m
    torch.testing.assert_close(fixed, right * torch.tensor([-1.0, 1, 1]),
                               atol=2e-6, rtol=0)
    raw = _run(MANOHand(str(tmp_path), side='left', fix_left_shapedirs=False),
               **mirrored).vertices_m
    assert (raw - fixed).abs().max() > 1e-3
    # a correct left file is left alone
    good = _run(MANOHand(str(synthetic_dir), side='left'), **mirrored)
    torch.testing.assert_close(good.vertices_m, fixed, atol=2e-6, rtol=0)


def test_model_arrays_stay_out_of_checkpoints(synthetic_dir):
    hand = MANOHand(str(synthetic_dir))
    assert hand.state_dict() == {}
    assert hand.faces.shape[1] == 3 and hand.faces.dtype == np.int64
    assert hand.v_template.shape == (778, 3)


def test_build_from_config_through_the_registry(synthetic_dir):
    assert MODELS.get('MANOHand') is MANOHand
    hand = build_hand_model(dict(model_path=str(synthetic_dir), side='left',
                                 flat_hand_mean=False))
    assert isinstance(hand, MANOHand) and hand.side == 'left'
    assert not hand.flat_hand_mean


def test_missing_file_names_path_registration_and_synthetic_command(
        tmp_path):
    with pytest.raises(MissingAssetError) as err:
        MANOHand(str(tmp_path), side='left')
    message = str(err.value)
    assert str(tmp_path / 'MANO_LEFT.pkl') in message
    assert 'https://mano.is.tue.mpg.de' in message
    assert 'tools/make_hand_model.py' in message
    assert 'tools/prepare_mano.py' in message
    with pytest.raises(MissingAssetError, match='MANO_RIGHT.pkl'):
        build_hand_model(dict(type='MANOHand', model_path=str(tmp_path)))


def test_chumpy_file_asks_for_prepare_mano(model_data, tmp_path):
    write_official_like(tmp_path / 'MANO_RIGHT.pkl', model_data['right'])
    with pytest.raises(MissingAssetError, match='tools/prepare_mano.py'):
        MANOHand(str(tmp_path))


def test_malformed_file_names_the_key(synthetic_dir, tmp_path):
    with open(synthetic_dir / 'MANO_RIGHT.pkl', 'rb') as f:
        data = pickle.load(f)
    del data['posedirs']
    with open(tmp_path / 'MANO_RIGHT.pkl', 'wb') as f:
        pickle.dump(data, f)
    with pytest.raises(MissingAssetError, match="'posedirs'"):
        MANOHand(str(tmp_path))
    (tmp_path / 'MANO_RIGHT.pkl').write_bytes(b'not a pickle')
    with pytest.raises(MissingAssetError, match='not a readable MANO'):
        MANOHand(str(tmp_path))


def test_wrong_side_is_a_config_error(synthetic_dir):
    with pytest.raises(ConfigError, match="'right' or 'left'"):
        MANOHand(str(synthetic_dir), side='both')
    with pytest.raises(ConfigError, match='left MANO model'):
        MANOHand(str(synthetic_dir / 'MANO_LEFT.pkl'), side='right')
    hand = MANOHand(str(synthetic_dir / 'MANO_LEFT.pkl'), side='left')
    assert hand.model_file.endswith('MANO_LEFT.pkl')
