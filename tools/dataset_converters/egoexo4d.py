"""Prepare the EgoExo4D hand-pose annotations from the raw release.

    python tools/dataset_converters/egoexo4d.py --raw RAW --out data/egoexo4d
        [--splits train val] [--annotation manual|auto|both]
        [--mask-file MASK.png] [--min-valid-joints 10]
        [--reprojection-threshold 30] [--bbox-padding 20]

RAW is the folder of ``egoexo -o RAW --parts annotations metadata
--benchmarks hand_pose`` (add ``ego_pose_pseudo_gt`` for automatic labels).
Writes ``OUT/annotation/{manual,auto}/ego_pose_gt_anno_{split}_public.json``
with the official rules (``egohands.datasets.egoexo4d.rules``). The
undistorted images come from the official toolkit: see docs/egoexo4d.md.
"""
import argparse
import logging
import sys
from typing import List


def main(argv: List[str]) -> int:
    from egohands.apis.cli import add_debug_argument
    parser = argparse.ArgumentParser(
        description='EgoExo4D raw release -> processed hand-pose files')
    parser.add_argument('--raw', required=True, help='raw release folder')
    parser.add_argument('--out', required=True, help='processed folder')
    parser.add_argument('--splits', nargs='+', default=['train', 'val'],
                        choices=['train', 'val'])
    parser.add_argument('--annotation', default='manual',
                        choices=['manual', 'auto', 'both'])
    parser.add_argument('--mask-file', help='512x512 visibility mask of the '
                        'undistorted Aria view (.npy or image); default: the '
                        'disc of projectaria_tools\' 1 rad visible cone')
    parser.add_argument('--min-valid-joints', type=int, default=10)
    parser.add_argument('--reprojection-threshold', type=float, default=30.0,
                        help='px')
    parser.add_argument('--bbox-padding', type=float, default=20.0,
                        help='px')
    parser.add_argument('--no-progress', action='store_true')
    add_debug_argument(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    from egohands.datasets.egoexo4d import (RuleSettings, load_mask,
                                            prepare_egoexo4d)
    kinds = ['manual', 'auto'] if args.annotation == 'both' else [
        args.annotation]
    reports = prepare_egoexo4d(
        args.raw, args.out, args.splits, kinds,
        mask=load_mask(args.mask_file) if args.mask_file else None,
        rules=RuleSettings(args.min_valid_joints,
                           args.reprojection_threshold, args.bbox_padding),
        progress=not args.no_progress)
    for report in reports:
        print(report.summary())
    return 0


if __name__ == '__main__':
    from egohands.apis.cli import run_cli
    sys.exit(run_cli(main))
