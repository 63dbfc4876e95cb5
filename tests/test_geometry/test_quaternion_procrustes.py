"""The quaternion similarity fit against the SVD one (procrustes.py) and a
hand-worked case; PA-MPJPE by chunks equals PA-MPJPE at once."""
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from egohands.evaluation.functional import keypoint_3d
from egohands.geometry.procrustes import similarity_procrustes
from egohands.geometry.quaternion_procrustes import similarity_align_3d


def test_a_known_similarity_is_undone_exactly():
    rng = np.random.default_rng(0)
    target = rng.normal(size=(1, 21, 3)) * 50
    rotation = Rotation.from_rotvec([0.3, -1.2, 2.0]).as_matrix()
    # source = (R^T (target - t)) / 2: the fit must find s = 2, R, t
    source = ((target - [5.0, -3.0, 400.0]) @ rotation) / 2.0
    np.testing.assert_allclose(similarity_align_3d(source, target), target,
                               atol=1e-9)


def test_matches_the_svd_fit_with_masks_mirrors_and_degenerate_sets():
    rng = np.random.default_rng(1)
    gt = rng.normal(size=(300, 21, 3)) * 40
    turn = Rotation.random(300, random_state=2).as_matrix()
    pred = np.einsum('nab,nkb->nka', turn, gt) * 1.3 + rng.normal(
        size=gt.shape) * 8
    pred[:20] = gt[:20] * [-1.0, 1.0, 1.0]  # mirror images: no reflection
    pred[20:25] = gt[20:25, :1]  # every joint on one point
    gt[25:30, :, 2] = 0.0  # planar ground truth
    mask = rng.random(gt.shape[:2]) > 0.2
    mask[30:35] = False  # no visible joint
    mask[35:40] = False
    mask[35:40, :2] = True  # two visible joints
    ours = similarity_align_3d(pred, gt, mask)
    svd = similarity_procrustes(pred, gt, mask).aligned
    np.testing.assert_allclose(ours, svd, atol=1e-6 * np.abs(gt).max())


def test_chunked_pa_mpjpe_equals_one_pass(monkeypatch):
    rng = np.random.default_rng(3)
    gt = rng.normal(size=(50, 21, 3)) * 40
    pred = gt + rng.normal(size=gt.shape) * 8
    mask = rng.random(gt.shape[:2]) > 0.1
    whole = keypoint_3d.keypoint_mpjpe(pred, gt, mask, 'procrustes')
    monkeypatch.setattr(keypoint_3d, 'CHUNK_HANDS', 7)
    assert keypoint_3d.keypoint_mpjpe(pred, gt, mask, 'procrustes') == \
        pytest.approx(whole, rel=1e-12)
