"""EgoExo4D hand-pose challenge submissions: build, check, write.

The challenge (EvalAI 2249) takes one JSON file::

    {take_uid: {frame: {"left_hand_3d": 21x3 | [],
                        "right_hand_3d": 21x3 | []}}}

in **metres**, Aria camera frame (landscape), with one entry per frame of the
public test file and a 21 x 3 list for every hand that has a box there
(``[]`` for the others), as the official template does. A submission made
from wrist-relative predictions must be evaluated with ``--offset`` (the
official POTTER baseline does exactly that).
"""
from __future__ import annotations

import logging
from typing import Dict, List, Tuple

import numpy as np
from mmengine.logging import print_log

from egohands.datasets.egoexo4d.layout import DOC, write_json
from egohands.datasets.egoexo4d.processed import iter_hand_records
from egohands.datasets.metainfo import NUM_JOINTS
from egohands.evaluation.egoexo4d_evaluation import MissingPredictionError

#: (take_uid, frame number, side)
HandKey = Tuple[str, int, str]


def _template(test: Dict, test_path: str) -> Tuple[Dict, List[Tuple]]:
    """Empty submission with every frame of the test file, and its boxed
    hands as (take_uid, frame key, side)."""
    template = {uid: {frame: {f'{side}_hand_3d': [] for side in
                              ('left', 'right')}
                      for frame in frames}
                for uid, frames in test.items()}
    required = [(h.take_uid, h.frame, h.side)
                for h in iter_hand_records(test, test_path)
                if h.bbox is not None]
    return template, required


def _missing(take_uid: str, frame: str, side: str, source: str,
             test_path: str, problem: str) -> MissingPredictionError:
    return MissingPredictionError(
        f'{source}: take {take_uid}, frame {frame}, {side} hand: {problem}; '
        f'every hand with a box in {test_path} needs a 21x3 prediction '
        f'({DOC})')


def build_submission(test: Dict, predictions_m: Dict[HandKey, np.ndarray],
                     test_path: str = 'test file',
                     source: str = 'predictions') -> Dict:
    """Fill the official template from per-hand predictions.

    Args:
        test: content of the public test file (boxes).
        predictions_m: (take_uid, frame number, side) -> (21, 3) metres, Aria
            camera frame. Extra hands are ignored.
        test_path, source: names for error messages.

    Raises:
        MissingPredictionError: a boxed hand has no prediction (names take,
            frame and side).
    """
    submission, required = _template(test, test_path)
    for take_uid, frame, side in required:
        pred = predictions_m.get((take_uid, int(frame), side))
        if pred is None:
            raise _missing(take_uid, frame, side, source, test_path,
                           'no prediction')
        submission[take_uid][frame][f'{side}_hand_3d'] = np.asarray(
            pred, np.float64).tolist()
    return submission


def check_submission(submission: Dict, test: Dict,
                     test_path: str = 'test file',
                     source: str = 'submission') -> int:
    """Check a submission against the public test file; return #hands.

    Every frame of the test file must be there; every boxed hand must hold
    21 x 3 finite numbers. Frames or hands the test file does not ask for
    are allowed (the server ignores them).

    Raises:
        MissingPredictionError: naming take, frame and side.
    """
    _, required = _template(test, test_path)
    for take_uid, frame, side in required:
        frames = submission.get(take_uid) if isinstance(submission,
                                                        dict) else None
        record = frames.get(frame) if isinstance(frames, dict) else None
        value = record.get(f'{side}_hand_3d') if isinstance(record,
                                                            dict) else None
        try:
            array = np.asarray(value, np.float64)
        except (TypeError, ValueError):
            array = np.zeros(0)
        if value is None or array.shape != (NUM_JOINTS, 3):
            raise _missing(take_uid, frame, side, source, test_path,
                           f'"{side}_hand_3d" is missing or not 21x3')
        if not np.isfinite(array).all():
            raise _missing(take_uid, frame, side, source, test_path,
                           f'"{side}_hand_3d" holds NaN or inf')
    return len(required)


def write_submission(samples: List[Dict], test: Dict, out_file: str,
                     test_path: str = 'test file') -> Dict:
    """Build, check and write a submission from per-hand predictions.

    Args:
        samples: dicts with ``key`` (take_uid, frame number, side),
            ``pred_mm`` (21, 3) mm camera frame and ``absolute`` (bool: False
            for wrist-relative predictions).
        test: content of the public test file. out_file: where to write.

    Returns:
        ``{'num_hands': int, 'wrist_relative': bool}``.
    """
    from egohands.utils.errors import ConfigError
    absolute = {bool(s['absolute']) for s in samples}
    if len(absolute) > 1:
        raise ConfigError(
            'EgoExo4D submission: some predictions are absolute and some '
            'wrist-relative (pred_joints_absolute differs); one file must be '
            'all of one kind so it can be evaluated with or without --offset')
    predictions_m = {tuple(s['key']): np.asarray(s['pred_mm']) / 1000.0
                     for s in samples}
    submission = build_submission(test, predictions_m, test_path,
                                  'predictions of the model')
    num_hands = check_submission(submission, test, test_path, out_file)
    write_json(submission, out_file)
    wrist_relative = absolute == {False}
    if wrist_relative:
        print_log(
            f'EgoExo4D submission {out_file} holds wrist-relative joints: '
            'evaluate it with --offset (as the official POTTER baseline)',
            logger='current', level=logging.WARNING)
    print_log(f'EgoExo4D submission with {num_hands} hands written to '
              f'{out_file}', logger='current')
    return dict(num_hands=num_hands, wrist_relative=wrist_relative)
