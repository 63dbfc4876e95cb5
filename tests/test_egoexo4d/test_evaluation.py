"""The official EgoExo4D evaluation: hand-worked cases, a per-hand loop of
an independent formulation (scipy rotation fit), and the command-line tool."""
import json

import numpy as np
import pytest

from egohands.evaluation.egoexo4d_evaluation import (
    MissingPredictionError, evaluate_egoexo4d, evaluate_files)
from egohands.utils.errors import AnnotationError

from .tools_inprocess import run_tool

TOOL = 'tools/eval_egoexo4d.py'
OFFSET_M = np.array([0.1, -0.05, 0.45])  # where the hands are, metres


def square_hand():
    """A prediction ``y`` (21, 3) mm with 13 valid joints centred on the
    wrist, and errors ``e`` with ``GT = y - e``. As sum e = 0 and
    sum e y^T = 0, the GT-prediction covariance sum (y - e) y^T = sum y y^T
    is symmetric positive definite: the best similarity from prediction to
    GT is the identity (R = I, s = 1, t = 0), so PA-MPJPE = MPJPE = 4 c / 13
    by hand. Returns (y, valid, e, expected error)."""
    gt = np.full((21, 3), np.nan)
    valid = np.zeros(21, bool)
    points = [(0, 0, 0), (40, 0, 0), (-40, 0, 0), (0, 40, 0), (0, -40, 0),
              (30, 30, 0), (-30, -30, 0), (30, -30, 0), (-30, 30, 0),
              (0, 0, 25), (0, 0, -25), (10, 0, 12), (-10, 0, -12)]
    joints = [0, 1, 2, 3, 4, 5, 6, 9, 10, 13, 14, 17, 18]
    gt[joints] = points
    valid[joints] = True
    c = 6.0
    errors = np.zeros((21, 3))
    errors[[1, 2], 2] = c    # +z at (+-40, 0, 0)
    errors[[3, 4], 2] = -c   # -z at (0, +-40, 0)
    return gt, valid, errors, 4 * c / 13


def hand_worked_files():
    """GT and absolute predictions (metres) of three hands:

    * take A frame 7 right: all valid, pred = GT + (3, 4, 0) mm:
      MPJPE 5, PA 0;
    * take A frame 7 left: joints 3 and 7 invalid (NaN in GT, garbage in the
      prediction) and the wrist flagged invalid; pred = GT + (0, 0, 12) mm:
      MPJPE 12, PA 0;
    * take B frame 12 right: :func:`square_hand`: MPJPE = PA = 24 / 13.
    Take B frame 12 left is empty (not evaluated) and not predicted.
    """
    rng = np.random.default_rng(1)
    gt1 = rng.uniform(-60, 60, (21, 3))
    gt2 = rng.uniform(-60, 60, (21, 3))
    valid2 = np.ones(21, bool)
    valid2[[0, 3, 7]] = False
    gt2[[3, 7]] = np.nan
    pred2 = gt2 + (0, 0, 12)
    pred2[[3, 7]] = 1e4
    pred2[0] = -1e4  # the wrist is invalid: its error never counts
    points3, valid3, errors3, expected3 = square_hand()
    gt3 = points3 - errors3
    pred3 = np.where(valid3[:, None], points3, 7e3)
    to_m = lambda mm: (mm / 1000 + OFFSET_M).tolist()  # noqa: E731
    gt = {
        'A': {'7': dict(right_hand_3d=to_m(gt1),
                        right_hand_valid_3d=[True] * 21,
                        left_hand_3d=to_m(gt2),
                        left_hand_valid_3d=valid2.tolist(),
                        metadata=dict(take_name='a', frame_number=7))},
        'B': {'12': dict(right_hand_3d=to_m(gt3),
                         right_hand_valid_3d=valid3.tolist(),
                         left_hand_3d=[], left_hand_valid_3d=[],
                         metadata=dict(take_name='b', frame_number=12))}}
    pred = {'A': {'7': dict(right_hand_3d=to_m(gt1 + (3, 4, 0)),
                            left_hand_3d=to_m(pred2))},
            'B': {'12': dict(right_hand_3d=to_m(pred3), left_hand_3d=[])},
            'C': {'1': dict(right_hand_3d=[[0, 0, 0]] * 21)}}  # ignored
    expected = dict(mpjpe=(5 + 12 + expected3) / 3,
                    pa_mpjpe=(0 + 0 + expected3) / 3, num_hands=3)
    return gt, pred, expected


def wrist_relative(pred, gt):
    """Subtract the GT wrist from every predicted hand (what a model
    predicting wrist-relative joints writes)."""
    out = json.loads(json.dumps(pred))
    for take, frames in gt.items():
        for frame, record in frames.items():
            for side in ('left', 'right'):
                if record[f'{side}_hand_3d']:
                    wrist = np.array(record[f'{side}_hand_3d'][0])
                    out[take][frame][f'{side}_hand_3d'] = (
                        np.array(out[take][frame][f'{side}_hand_3d']) -
                        wrist).tolist()
    return out


def test_hand_worked_case():
    gt, pred, expected = hand_worked_files()
    metrics = evaluate_egoexo4d(gt, pred)
    assert metrics['num_hands'] == 3
    assert metrics['mpjpe'] == pytest.approx(expected['mpjpe'], abs=1e-6)
    assert metrics['pa_mpjpe'] == pytest.approx(expected['pa_mpjpe'],
                                                abs=1e-6)


def test_offset_adds_the_gt_wrist():
    gt, pred, expected = hand_worked_files()
    relative = wrist_relative(pred, gt)
    with_offset = evaluate_egoexo4d(gt, relative, offset=True)
    assert with_offset['mpjpe'] == pytest.approx(expected['mpjpe'], abs=1e-6)
    assert with_offset['pa_mpjpe'] == pytest.approx(expected['pa_mpjpe'],
                                                    abs=1e-6)
    without = evaluate_egoexo4d(gt, relative, offset=False)
    assert without['mpjpe'] > 400  # the hands are ~45 cm away
    # PA-MPJPE does not care about a translation
    assert without['pa_mpjpe'] == pytest.approx(expected['pa_mpjpe'],
                                                abs=1e-6)


def test_missing_or_malformed_prediction_names_take_frame_side():
    gt, pred, _ = hand_worked_files()
    del pred['A']['7']['left_hand_3d']
    with pytest.raises(MissingPredictionError,
                       match=r'take A, frame 7, left hand .*found nothing'):
        evaluate_egoexo4d(gt, pred, pred_path='p.json')
    gt, pred, _ = hand_worked_files()
    pred['B']['12']['right_hand_3d'] = []
    with pytest.raises(MissingPredictionError,
                       match=r'take B, frame 12, right hand .*shape \(0,\)'):
        evaluate_egoexo4d(gt, pred)
    gt, pred, _ = hand_worked_files()
    del pred['B']
    with pytest.raises(MissingPredictionError, match='take B, frame 12'):
        evaluate_egoexo4d(gt, pred)


def test_public_test_file_cannot_be_evaluated():
    gt = {'A': {'1': dict(right_hand_bbox=[1, 2, 3, 4], left_hand_bbox=[],
                          metadata=dict(take_name='a', frame_number=1))}}
    with pytest.raises(AnnotationError, match='no hand with 3D'):
        evaluate_egoexo4d(gt, {})


def loop_pa_mpjpe(pred, gt):
    """PA-MPJPE of one hand, formulated independently of the SVD formula:
    the best proper rotation from scipy's ``Rotation.align_vectors`` on the
    centred points, then the least-squares scale for that rotation
    ``s = sum g.(R p) / sum |R p|^2``; error = mean |s R p - g| (centred)."""
    from scipy.spatial.transform import Rotation
    g, p = gt - gt.mean(0), pred - pred.mean(0)
    rotation, _ = Rotation.align_vectors(g, p)
    turned = rotation.apply(p)
    scale = (g * turned).sum() / (turned**2).sum()
    return np.linalg.norm(scale * turned - g, axis=1).mean()


def test_matches_a_per_hand_loop_of_an_independent_formulation():
    rng = np.random.default_rng(7)
    gt, pred, loop_mpjpe, loop_pa = {}, {}, [], []
    for h in range(40):
        joints = rng.normal(0, 40, (21, 3)) / 1000 + OFFSET_M
        valid = rng.random(21) < 0.75
        valid[rng.choice(21, 10, replace=False)] = True
        angle = rng.uniform(0, 2 * np.pi)
        rot = np.array([[np.cos(angle), -np.sin(angle), 0],
                        [np.sin(angle), np.cos(angle), 0], [0, 0, 1]])
        guess = 1.1 * (joints - OFFSET_M) @ rot.T + rng.normal(
            0, 0.01, (21, 3)) + OFFSET_M + 0.02
        if h % 5 == 0:  # the best orthogonal map is a reflection
            guess = (joints - OFFSET_M) * [-1, 1, 1] + OFFSET_M
        side, frame = ('left', 'right')[h % 2], str(h // 2)
        gt_joints = np.where(valid[:, None], joints, np.nan)
        gt_joints[0] = joints[0]
        gt.setdefault('T', {}).setdefault(frame, dict(
            metadata=dict(take_name='t', frame_number=int(frame))))
        gt['T'][frame][f'{side}_hand_3d'] = gt_joints.tolist()
        gt['T'][frame][f'{side}_hand_valid_3d'] = valid.tolist()
        pred.setdefault('T', {}).setdefault(frame, {})[
            f'{side}_hand_3d'] = guess.tolist()
        g, p = joints[valid] * 1000, guess[valid] * 1000
        loop_mpjpe.append(np.linalg.norm(p - g, axis=1).mean())
        loop_pa.append(loop_pa_mpjpe(p, g))
    metrics = evaluate_egoexo4d(gt, pred)
    assert metrics['num_hands'] == 40
    assert metrics['mpjpe'] == pytest.approx(np.mean(loop_mpjpe), rel=1e-9)
    assert metrics['pa_mpjpe'] == pytest.approx(np.mean(loop_pa), rel=1e-7)


def write(path, content):
    with open(path, 'w') as f:
        json.dump(content, f)
    return path


def test_tool_prints_json_last_line(tmp_path, capsys):
    gt, pred, expected = hand_worked_files()
    gt_file = write(tmp_path / 'gt.json', gt)
    status = run_tool(TOOL, [gt_file, write(tmp_path / 'pred.json', pred)])
    out = capsys.readouterr().out.strip().splitlines()
    assert status == 0
    assert out[0] == f'MPJPE: {expected["mpjpe"]:.2f} (mm)'
    metrics = json.loads(out[-1])
    assert metrics['num_hands'] == 3
    assert metrics['mpjpe'] == pytest.approx(expected['mpjpe'], abs=1e-6)
    rel_file = write(tmp_path / 'rel.json', wrist_relative(pred, gt))
    assert run_tool(TOOL, [gt_file, rel_file, '--offset']) == 0
    metrics = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert metrics['mpjpe'] == pytest.approx(expected['mpjpe'], abs=1e-6)
    assert evaluate_files(str(gt_file), str(rel_file), True) == metrics


def test_tool_missing_hand_is_one_error_line(tmp_path, capsys):
    gt, pred, _ = hand_worked_files()
    pred['A']['7'].pop('right_hand_3d')
    status = run_tool(TOOL, [write(tmp_path / 'gt.json', gt),
                             write(tmp_path / 'pred.json', pred)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith(f'error: {tmp_path / "pred.json"}: no prediction '
                          'for take A, frame 7, right hand')
    assert run_tool(TOOL, [tmp_path / 'gt.json', tmp_path / 'none.json']) == 2
    assert 'prediction file not found' in capsys.readouterr().err
