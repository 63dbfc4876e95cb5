"""The challenge's metrics against an independent, loop-based reading of
the toolkit's definitions, on random data."""
import json

import numpy as np
import pytest

from egohands.evaluation.functional.hand_tracking import (
    challenge_pose_metrics, challenge_shape_metric, group_entries,
    toolkit_landmarks)
from egohands.evaluation.metrics import (HandTrackingPoseMetric,
                                         HandTrackingShapeMetric)
from egohands.geometry.camera_models import world_to_camera
from egohands.utils.errors import ConfigError

HAND_MODEL = '/work/main/data/hand_models/synthetic'


def reference_pose_metrics(pred, gt):
    """Loops: per sequence, 19 landmarks (all but index 5), PCK at 101
    thresholds by counting, trapezoids summed by hand, entry weights."""
    totals = dict(MPJPE=0.0, PCK_AUC=0.0, FINGERTIP_PCK_AUC=0.0)
    count = 0
    for sequence in gt:
        errors, tips = [], []
        for p_entry, g_entry in zip(pred[sequence], gt[sequence]):
            for j in range(20):
                if j == 5:
                    continue
                d = float(np.sqrt(sum((p_entry[j][c] - g_entry[j][c]) ** 2
                                      for c in range(3))))
                errors.append(d)
                if j < 5:
                    tips.append(d)

        def auc(values):
            steps = [50.0 * i / 100 for i in range(101)]
            curve = [100.0 * sum(v <= t for v in values) / len(values)
                     for t in steps]
            area = sum((curve[i] + curve[i + 1]) / 2 * (steps[i + 1] -
                                                        steps[i])
                       for i in range(100))
            return area / 50.0

        n = len(gt[sequence])
        totals['MPJPE'] += n * sum(errors) / len(errors)
        totals['PCK_AUC'] += n * auc(errors)
        totals['FINGERTIP_PCK_AUC'] += n * auc(tips)
        count += n
    return {k: v / count for k, v in totals.items()}


def random_sequences(rng, sizes):
    gt = {f'seq{i}': rng.normal(0, 100, (n, 20, 3)) for i, n in
          enumerate(sizes)}
    pred = {s: g + rng.normal(0, 15, g.shape) for s, g in gt.items()}
    return pred, gt


def test_pose_metrics_equal_the_reference_on_random_data():
    rng = np.random.default_rng(0)
    pred, gt = random_sequences(rng, [3, 7, 1])
    ours = challenge_pose_metrics(pred, gt)
    reference = reference_pose_metrics(pred, gt)
    for name, value in reference.items():
        assert ours[name] == pytest.approx(value, rel=1e-9), name
    assert ours['num_entries'] == 11
    # the wrist (landmark 5) is not scored
    moved = {s: p.copy() for s, p in pred.items()}
    for p in moved.values():
        p[:, 5] += 1000.0
    assert challenge_pose_metrics(moved, gt)['MPJPE'] == pytest.approx(
        ours['MPJPE'])


def test_hand_worked_pck_auc():
    gt = {'s': np.zeros((1, 20, 3))}
    pred = {'s': np.zeros((1, 20, 3))}
    pred['s'][0, :, 0] = 25.0  # every landmark 25 mm off
    values = challenge_pose_metrics(pred, gt)
    assert values['MPJPE'] == pytest.approx(25.0)
    # PCK is 0 up to 24.5 mm and 100 from 25 mm (steps of 0.5 mm): area
    # 100 * 25 plus the ramp 0.5 * 100 / 2, over 50 mm -> 50.5
    assert values['PCK_AUC'] == pytest.approx(50.5)


def test_sequences_must_have_the_ground_truths_entries():
    rng = np.random.default_rng(1)
    pred, gt = random_sequences(rng, [3])
    with pytest.raises(ValueError, match='2 predicted entries for 3'):
        challenge_pose_metrics({'seq0': pred['seq0'][:2]}, gt)


def test_shape_metric_is_an_unweighted_mean_over_sequences():
    rng = np.random.default_rng(2)
    gt = {'a': rng.normal(size=(1, 778, 3)), 'b': rng.normal(size=(1, 778,
                                                                  3))}
    pred = {'a': gt['a'] + [3.0, 4.0, 0.0], 'b': gt['b'] + [0.0, 0.0, 1.0]}
    assert challenge_shape_metric(pred, gt)['MPVPE'] == pytest.approx(3.0)


def test_toolkit_landmark_order_hand_checked():
    joints = np.arange(21 * 3, dtype=float).reshape(21, 3)
    landmarks = toolkit_landmarks(joints)
    assert landmarks.shape == (20, 3)
    # toolkit 0 thumb tip = canonical 4, 5 wrist = canonical 0,
    # 6 thumb intermediate = canonical 2 (MCP), 19 pinky distal = 19
    for toolkit, canonical in ((0, 4), (4, 20), (5, 0), (6, 2), (7, 3),
                               (8, 5), (19, 19)):
        np.testing.assert_array_equal(landmarks[toolkit], joints[canonical])


def test_group_entries_is_a_stable_sort_by_frame():
    entries = [dict(sequence_name='b', frame_id=2, hand_side=0),
               dict(sequence_name='a', frame_id=1, hand_side=1),
               dict(sequence_name='a', frame_id=0, hand_side=1),
               dict(sequence_name='a', frame_id=0, hand_side=0)]
    groups = group_entries(entries)
    assert list(groups) == ['b', 'a']
    assert [(e['frame_id'], e['hand_side']) for e in groups['a']] == [
        (0, 1), (0, 0), (1, 1)]


def _samples(rng, n_frames=4):
    """Camera-frame samples of two views per hand, their world GT."""
    samples, world = [], {}
    for frame in range(n_frames):
        for side in ('left', 'right'):
            gt_world = rng.normal(0, 50, (21, 3)) + [0, 0, 400]
            pred_world = gt_world + rng.normal(0, 10, (21, 3))
            world[(frame, side)] = (pred_world, gt_world)
            for view in range(2):
                T = np.eye(4)
                T[:3, 3] = [100.0 * view, 5.0 * frame, 0.0]
                samples.append(dict(
                    sequence='seqA', frame=frame, hand_side=side,
                    view=str(view), T_world_from_cam=T,
                    pred_joints_3d=world_to_camera(pred_world, T),
                    pred_joints_absolute=True,
                    gt_joints_3d=world_to_camera(gt_world, T),
                    gt_joints_valid=np.ones(21)))
    return samples, world


def test_registered_pose_metric_scores_world_landmarks():
    rng = np.random.default_rng(3)
    samples, world = _samples(rng)
    metric = HandTrackingPoseMetric()
    metric.process(None, samples)
    values = metric.evaluate(len(samples))
    keys = sorted(world, key=lambda k: (k[0], k[1] != 'left'))
    pred = {'seqA': np.stack([toolkit_landmarks(world[k][0]) for k in keys])}
    gt = {'seqA': np.stack([toolkit_landmarks(world[k][1]) for k in keys])}
    reference = reference_pose_metrics(pred, gt)
    assert values['challenge/mpjpe'] == pytest.approx(reference['MPJPE'])
    assert values['challenge/pck_auc'] == pytest.approx(
        reference['PCK_AUC'])
    assert values['challenge/num_entries'] == 8


def test_pose_metric_against_the_organisers_gt_file(tmp_path):
    rng = np.random.default_rng(4)
    samples, world = _samples(rng, 3)
    keys = sorted(world, key=lambda k: (k[0], k[1] != 'left'))
    entries = [dict(sequence_name='seqA', frame_id=f, landmarks=(
        toolkit_landmarks(world[(f, s)][1]) / 1000).tolist())
        for f, s in keys]
    (tmp_path / 'gt_landmarks_umetrack.json').write_text(json.dumps(entries))
    from_file = HandTrackingPoseMetric(gt_file='gt_landmarks_umetrack.json',
                                       data_root=str(tmp_path))
    from_samples = HandTrackingPoseMetric()
    for metric in (from_file, from_samples):
        metric.process(None, samples)
    a, b = from_file.evaluate(len(samples)), from_samples.evaluate(
        len(samples))
    assert a['challenge/mpjpe'] == pytest.approx(b['challenge/mpjpe'])
    short = HandTrackingPoseMetric(gt_file=str(
        tmp_path / 'gt_landmarks_umetrack.json'))
    short.process(None, samples[:4])
    with pytest.raises(ConfigError, match='sequence seqA has 6 entries'):
        short.evaluate(4)


def test_registered_shape_metric_per_sequence_mean():
    rng = np.random.default_rng(5)
    gt = rng.normal(0, 1, (2, 10))
    samples = []
    for index, sequence in enumerate(('s0', 's1')):
        for _ in range(2 + index):
            samples.append(dict(sequence=sequence, gt_mano_betas=gt[index],
                                pred_mano=dict(betas=gt[index] + 0.0)))
    metric = HandTrackingShapeMetric(hand_model=HAND_MODEL)
    metric.process(None, samples)
    assert metric.evaluate(len(samples))['challenge/mpvpe'] == \
        pytest.approx(0.0, abs=1e-4)
    # a wrong shape in one sequence: half its own MPVPE (two sequences)
    samples[0]['pred_mano'] = dict(betas=gt[0] + 1.0)
    samples[1]['pred_mano'] = dict(betas=gt[0] + 1.0)
    metric = HandTrackingShapeMetric(hand_model=HAND_MODEL)
    metric.process(None, samples)
    both = metric.evaluate(len(samples))['challenge/mpvpe']
    alone = HandTrackingShapeMetric(hand_model=HAND_MODEL)
    alone.process(None, samples[:2])
    assert both == pytest.approx(alone.evaluate(2)['challenge/mpvpe'] / 2,
                                 rel=1e-5)
    assert both > 0.1
