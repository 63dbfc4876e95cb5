"""Neural Smooth: better than the raw predictions, a hand-worked fixed
point, and an online variant that never reads beyond its lag."""
import numpy as np
import pytest
import torch

from egohands.evaluation.functional import acceleration_error
from egohands.geometry.camera_models import world_to_camera
from egohands.geometry.rotation import axis_angle_to_matrix
from egohands.postprocess.neural_smooth import (HandTrack, SmoothSettings,
                                                acceleration_term,
                                                project_views,
                                                reprojection_term,
                                                smooth_track,
                                                smooth_track_online)
from egohands.registry import POSTPROCESSORS


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny problems: threads only add overhead
    yield
    torch.set_num_threads(threads)


def rig(T, views):
    cam_from_world = np.zeros((T, views, 4, 4))
    for v in range(views):
        cam_from_world[:, v] = np.eye(4)
        cam_from_world[:, v, 0, 3] = 60.0 - 120.0 * v
    K = np.broadcast_to(np.array([[500.0, 0, 320], [0, 500, 240], [0, 0, 1]]),
                        (T, views, 3, 3)).copy()
    return cam_from_world, K


def project(joints, cam_from_world, K):
    cam = joints[:, None] @ cam_from_world[..., :3, :3].transpose(
        0, 1, 3, 2) + cam_from_world[..., None, :3, 3]
    uvw = cam @ K.transpose(0, 1, 3, 2)
    return uvw[..., :2] / uvw[..., 2:]


def moving_hand(T, seed=0):
    """A rigid hand (fixed bones) turning and moving in front of the rig."""
    rng = np.random.default_rng(seed)
    t = np.arange(T)[:, None]
    shape = rng.normal(0, 40, (21, 3))
    shape -= shape[:1]
    R = axis_angle_to_matrix(np.concatenate(
        [0.3 * np.sin(t / 7), 0.4 * np.cos(t / 9), 0.2 * np.sin(t / 5)], 1))
    wrist = np.concatenate([80 * np.sin(t / 8), 40 * np.cos(t / 11),
                            500 + 30 * np.sin(t / 13)], 1)
    return shape[None] @ R.transpose(0, 2, 1) + wrist[:, None]


def noisy_track(gt, views, seed=1):
    rng = np.random.default_rng(seed)
    cam_from_world, K = rig(len(gt), views)
    keypoints = project(gt, cam_from_world, K) + rng.normal(
        0, 1.5, (len(gt), views, 21, 2))
    raw = gt + rng.normal(0, 8, (len(gt), 1, 3)) + rng.normal(0, 3, gt.shape)
    return HandTrack(raw, keypoints, np.ones(keypoints.shape[:3]),
                     cam_from_world, K)


def rig_records(track, gt=None):
    """Dump-like records, one per frame and view (frames from 100)."""
    records = []
    for t in range(len(track.joints)):
        for v in range(track.keypoints.shape[1]):
            T_world = np.linalg.inv(track.cam_from_world[t, v])
            records.append(dict(
                sequence='s', frame=100 + t, hand_side='left', view=str(v),
                img_id=t, ann_id=2 * t + v, img_path='',
                pred_joints_3d=world_to_camera(track.joints[t], T_world),
                pred_joints_absolute=True,
                pred_keypoints_2d=track.keypoints[t, v], K=track.K[t, v],
                T_world_from_cam=T_world))
            if gt is not None:
                records[-1].update(gt_joints_3d=world_to_camera(gt[t],
                                                                T_world),
                                   gt_joints_valid=np.ones(21))
    return records


def mpjpe(pred, gt):
    return float(np.linalg.norm(pred - gt, axis=-1).mean())


@pytest.mark.parametrize('views', [2, 1])
def test_offline_beats_the_raw_predictions(views):
    gt = moving_hand(24)
    track = noisy_track(gt, views)
    smoothed = smooth_track(track, SmoothSettings(iterations=300))
    assert mpjpe(smoothed, gt) < 0.8 * mpjpe(track.joints, gt)
    assert acceleration_error(smoothed, gt) < 0.3 * acceleration_error(
        track.joints, gt)


def test_constant_velocity_with_exact_keypoints_is_a_fixed_point():
    T = 8
    # multiples of 1/8 mm and integer velocities: every sum below is exact,
    # so the second differences are exactly zero
    start = np.round(moving_hand(1)[0] * 8) / 8
    velocity = np.array([3.0, -2.0, 5.0])  # mm per frame
    joints = start[None] + np.arange(T)[:, None, None] * velocity
    cam_from_world, K = rig(T, 2)
    track = HandTrack(joints, np.zeros((T, 2, 21, 2)), np.ones((T, 2, 21)),
                      cam_from_world, K)
    # the keypoints are the trajectory's own projections
    track.keypoints = project_views(torch.as_tensor(joints), track).numpy()
    # hand-worked: second differences of a line vanish; projections match
    x = torch.as_tensor(joints)
    assert float(acceleration_term(x[:, 0] / 1000)) == pytest.approx(
        0.0, abs=1e-12)
    assert float(reprojection_term(x, track)) == pytest.approx(0.0,
                                                               abs=1e-12)
    out = smooth_track(track, SmoothSettings(iterations=50))
    np.testing.assert_allclose(out, joints, atol=1e-9)
    online = smooth_track_online(track, lag=1, window=4,
                                 settings=SmoothSettings(iterations=10))
    np.testing.assert_allclose(online, joints, atol=1e-9)


def test_online_never_reads_beyond_its_lag():
    gt = moving_hand(10)
    track = noisy_track(gt, 2)
    lag, settings = 2, SmoothSettings(iterations=15)
    reference = smooth_track_online(track, lag, 5, settings)
    for t in (2, 5):
        changed = HandTrack(track.joints.copy(), track.keypoints.copy(),
                            track.weights, track.cam_from_world, track.K)
        changed.joints[t + lag + 1:] += 300.0
        changed.keypoints[t + lag + 1:] += 40.0
        out = smooth_track_online(changed, lag, 5, settings)
        np.testing.assert_array_equal(out[:t + 1], reference[:t + 1])
        assert np.abs(out[t + lag + 1:] - reference[t + lag + 1:]).max() > 1
    # and a change at t + lag does reach frame t
    changed = HandTrack(track.joints.copy(), track.keypoints, track.weights,
                        track.cam_from_world, track.K)
    changed.joints[5 + lag] += 300.0
    out = smooth_track_online(changed, lag, 5, settings)
    assert np.abs(out[5] - reference[5]).max() > 1e-3


def test_online_beats_the_raw_predictions():
    gt = moving_hand(16)
    track = noisy_track(gt, 2)
    out = smooth_track_online(track, 2, 6, SmoothSettings(iterations=40))
    assert mpjpe(out, gt) < 0.8 * mpjpe(track.joints, gt)
    assert acceleration_error(out, gt) < 0.5 * acceleration_error(
        track.joints, gt)


def test_registered_post_processor_over_records():
    gt = moving_hand(12)
    track = noisy_track(gt, 2)
    records = rig_records(track)
    smoother = POSTPROCESSORS.build(dict(type='NeuralSmooth',
                                         iterations=200))
    out = smoother(records)
    direct = smooth_track(track, SmoothSettings(iterations=200))
    for record in out:
        t, v = record['frame'] - 100, int(record['view'])
        expected = world_to_camera(direct[t], np.linalg.inv(
            track.cam_from_world[t, v]))
        np.testing.assert_allclose(record['pred_joints_3d'], expected,
                                   atol=0.5)  # Adam amplifies float noise
    # the input records are left as they were
    np.testing.assert_allclose(records[0]['pred_joints_3d'],
                               world_to_camera(track.joints[0], np.linalg.inv(
                                   track.cam_from_world[0, 0])))


def test_smooth_tool_over_a_dump(tmp_path, capsys):
    import importlib.util

    from egohands.evaluation.prediction_dump import (load_prediction_dump,
                                                     write_prediction_dump)
    gt = moving_hand(16)
    track = noisy_track(gt, 2)
    records = rig_records(track, gt)
    write_prediction_dump(str(tmp_path / 'in.npz'), records, {})
    spec = importlib.util.spec_from_file_location('smooth', 'tools/smooth.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.main([str(tmp_path / 'in.npz'), str(tmp_path / 'out.npz'),
                      '--iterations', '200']) == 0
    out = load_prediction_dump(str(tmp_path / 'out.npz'))['predictions']
    assert [r['frame'] for r in out[::2]] == list(range(100, 116))
    assert out[0]['sequence'] == 's' and out[1]['view'] == '1'
    smoothed_cam0 = np.stack([r['pred_joints_3d'] for r in out[::2]])
    gt_cam0 = np.stack([r['gt_joints_3d'] for r in records[::2]])
    raw_cam0 = np.stack([r['pred_joints_3d'] for r in records[::2]])
    assert mpjpe(smoothed_cam0, gt_cam0) < mpjpe(raw_cam0, gt_cam0)
    assert 'accel_error' in capsys.readouterr().out
    # a dump without frames ends in one error line
    from egohands.apis.cli import run_cli
    write_prediction_dump(str(tmp_path / 'bad.npz'), [
        dict(records[0], sequence=None)], {})
    assert run_cli(tool.main, [str(tmp_path / 'bad.npz'),
                               str(tmp_path / 'o.npz')]) == 2
    assert "needs 'sequence'" in capsys.readouterr().err


def test_a_multiview_record_is_its_views_records():
    """One multi-view record per frame (joints in camera 0, each view's
    keypoints with its own camera) builds the track of the per-view
    records: same joints, keypoints, cameras; a masked slot weighs 0."""
    from egohands.postprocess.neural_smooth_records import (build_track,
                                                            tracks_of)
    gt = moving_hand(6)
    track = noisy_track(gt, 2)
    per_view = rig_records(track)
    merged = []
    for t in range(6):
        first = dict(per_view[2 * t], view='0')
        first.update(
            pred_view_keypoints_2d=track.keypoints[t],
            view_K=track.K[t],
            T_world_from_view=np.linalg.inv(track.cam_from_world[t]),
            view_mask=np.array([1.0, float(t != 4)]))
        merged.append(first)
    expected = build_track(per_view, tracks_of(per_view, 1)[0])
    built = build_track(merged, tracks_of(merged, 1)[0])
    for name in ('joints', 'keypoints', 'cam_from_world', 'K'):
        np.testing.assert_allclose(getattr(built, name),
                                   getattr(expected, name), atol=1e-6)
    weights = np.ones((6, 2, 21))
    weights[4, 1] = 0.0
    np.testing.assert_array_equal(built.weights, weights)


def test_tool_scores_are_taken_in_the_world():
    """A multi-view model's reference camera may change within a track:
    scores of records that alternate cameras equal those of one camera."""
    import importlib.util
    spec = importlib.util.spec_from_file_location('smooth', 'tools/smooth.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    gt = moving_hand(10)
    records = rig_records(noisy_track(gt, 2), gt)
    one_camera = records[::2]
    alternating = [records[2 * t + t % 2] for t in range(10)]
    expected = tool.scores(one_camera, 1)
    got = tool.scores(alternating, 1)
    assert expected['accel_error'] > 1.0
    for name in ('mpjpe', 'accel_error'):
        assert abs(got[name] - expected[name]) < 1e-3 * expected[name]
    # an invalid joint is left out of both numbers
    masked = [dict(r, gt_joints_valid=np.r_[0.0, np.ones(20)])
              for r in one_camera]
    errors = np.linalg.norm(np.stack([r['pred_joints_3d'] - r['gt_joints_3d']
                                      for r in one_camera]), axis=-1)
    assert abs(tool.scores(masked, 1)['mpjpe'] - errors[:, 1:].mean()) < 1e-6
