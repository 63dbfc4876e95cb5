"""Neural Smooth over a prediction dump (offline, or online with a lag).

    python tools/smooth.py IN.npz OUT.npz [--online --lag 2 --window 8]
        [--iterations N] [--frame-step 1] [--weight-pose 0.5]
        [--weight-position 0.5] [--weight-2d 1.0] [--weight-bones 1.0]
        [--lr 0.01]

IN is a ``tools/test.py --dump`` file of a video or multi-view dataset: its
records need ``sequence``, ``frame``, absolute ``pred_joints_3d`` and, for
the 2D term, ``pred_keypoints_2d``, ``K`` and ``T_world_from_cam``
(``egohands.postprocess.neural_smooth_records``). Works on any method's
dump, single-view ones too. Writes the smoothed dump to OUT and, when IN
holds ground truth, prints MPJPE (absolute, mm) and the acceleration error
(mm/frame^2) before and after. Mistakes end with one ``error:`` line.
"""
import argparse
import sys
from typing import Dict, List

import numpy as np


def parse_args(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Neural Smooth of a dump')
    parser.add_argument('dump', help='tools/test.py --dump file (.npz/.json)')
    parser.add_argument('out', help='smoothed dump (.npz/.json)')
    parser.add_argument('--online', action='store_true',
                        help='causal variant: frame t sees frames <= t+lag')
    parser.add_argument('--lag', type=int, default=2)
    parser.add_argument('--window', type=int, default=8)
    parser.add_argument('--iterations', type=int, default=None,
                        help='optimiser steps (default 500, online 100)')
    parser.add_argument('--frame-step', type=int, default=1)
    for name, default in (('weight-pose', 0.5), ('weight-position', 0.5),
                          ('weight-2d', 1.0), ('weight-bones', 1.0),
                          ('lr', 1e-2)):
        parser.add_argument(f'--{name}', type=float, default=default)
    return parser.parse_args(argv)


def scores(records: List[Dict], frame_step: int) -> Dict[str, float]:
    """MPJPE (mm) and acceleration error (mm/frame^2) of the records with
    ground truth, over their valid joints (``gt_joints_valid``), in the
    world (``T_world_from_cam``; a multi-view model's reference camera can
    change within a track)."""
    from egohands.evaluation.functional import acceleration_error
    from egohands.geometry.camera_models import camera_to_world
    from egohands.postprocess.neural_smooth_records import tracks_of
    with_gt = [r for r in records if r.get('gt_joints_3d') is not None]
    if not with_gt:
        return {}

    def world(record, key):
        pose = record.get('T_world_from_cam')
        joints = np.asarray(record[key], np.float64)
        return joints if pose is None else camera_to_world(joints, pose)

    def valid(record):
        flags = record.get('gt_joints_valid')
        return np.ones(21) if flags is None else np.asarray(flags) > 0
    errors = [np.linalg.norm(world(r, 'pred_joints_3d') -
                             world(r, 'gt_joints_3d'), axis=-1)[valid(r)]
              for r in with_gt]
    mpjpe = float(np.concatenate(errors).mean())
    preds, gts, flags, ids = [], [], [], []
    for number, frames in enumerate(tracks_of(with_gt, frame_step)):
        for frame in frames:
            record = with_gt[frame[0]]  # one view per frame
            preds.append(world(record, 'pred_joints_3d'))
            gts.append(world(record, 'gt_joints_3d'))
            flags.append(valid(record))
            ids.append(number)
    try:
        accel = acceleration_error(np.stack(preds), np.stack(gts),
                                   valid=np.stack(flags),
                                   segment_ids=np.array(ids))
    except Exception:  # fewer than three frames per track
        accel = float('nan')
    return dict(mpjpe=mpjpe, accel_error=accel)


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    from egohands.evaluation.prediction_dump import (check_dump_path,
                                                     load_prediction_dump,
                                                     write_prediction_dump)
    from egohands.postprocess.neural_smooth_records import NeuralSmooth
    check_dump_path(args.out)
    dump = load_prediction_dump(args.dump)
    smoother = NeuralSmooth(
        online=args.online, lag=args.lag, window=args.window,
        frame_step=args.frame_step, iterations=args.iterations,
        weight_pose=args.weight_pose, weight_position=args.weight_position,
        weight_2d=args.weight_2d, weight_bones=args.weight_bones, lr=args.lr)
    records = dump['predictions']
    smoothed = smoother(records)
    meta = {k: v for k, v in dump['meta'].items() if k not in (
        'format', 'version', 'units', 'frame', 'keypoints_2d',
        'joint_names')}
    meta['neural_smooth'] = dict(vars(args), dump=None, out=None)
    write_prediction_dump(args.out, smoothed, meta)
    before, after = scores(records, args.frame_step), scores(
        smoothed, args.frame_step)
    for name in before:
        print(f'{name:12s} raw {before[name]:9.3f}   smoothed '
              f'{after[name]:9.3f}')
    print(f'smoothed dump written to {args.out}')
    return 0


if __name__ == '__main__':
    from egohands.apis.cli import run_cli
    sys.exit(run_cli(main))
