"""Evaluate an EgoExo4D hand-pose prediction file as the organisers do.

    python tools/eval_egoexo4d.py GT.json PRED.json [--offset]

GT.json is a processed ground-truth file (e.g.
``ego_pose_gt_anno_val_public.json``), PRED.json a submission
``{take_uid: {frame: {"left_hand_3d": 21x3 m, "right_hand_3d": ...}}}``.
``--offset``: the predictions are wrist-relative and the GT wrist is added
(the official flag). Prints MPJPE and PA-MPJPE in mm; the last line is
``{"mpjpe": ..., "pa_mpjpe": ..., "num_hands": ...}`` for scripts. A
prediction missing a hand that has GT ends with one ``error:`` line naming
take, frame and side (status 2). See docs/egoexo4d.md.
"""
import argparse
import json
import sys
from typing import List


def main(argv: List[str]) -> int:
    from egohands.apis.cli import add_debug_argument
    parser = argparse.ArgumentParser(
        description='Official EgoExo4D hand-pose MPJPE / PA-MPJPE (mm)')
    parser.add_argument('gt', help='processed ground-truth JSON file')
    parser.add_argument('pred', help='prediction (submission) JSON file')
    parser.add_argument('--offset', action='store_true',
                        help='predictions are wrist-relative: add the GT '
                        'wrist')
    add_debug_argument(parser)
    args = parser.parse_args(argv)
    from egohands.evaluation.egoexo4d_evaluation import evaluate_files
    metrics = evaluate_files(args.gt, args.pred, args.offset)
    print(f'MPJPE: {metrics["mpjpe"]:.2f} (mm)')
    print(f'PA-MPJPE: {metrics["pa_mpjpe"]:.2f} (mm)')
    print(f'hands: {metrics["num_hands"]}')
    print(json.dumps(metrics))
    return 0


if __name__ == '__main__':
    from egohands.apis.cli import run_cli
    sys.exit(run_cli(main))
