"""Compare a test run with the mean-pose baselines and draw its pictures.

    python tools/report.py CONFIG PREDICTIONS [--show-dir DIR]
        [--out-dir DIR] [--cfg-options k=v ...] [--trust-pickle]

PREDICTIONS is the dump of ``tools/test.py CONFIG CKPT --dump FILE`` on a
split with ground truth. The baselines come from the training annotations
of CONFIG (``train_dataloader.dataset``; no image is read): the mean
wrist-relative training pose for every hand, and the mean pose of the hand's
own side. Prints the table (MPJPE, PA-MPJPE, PCK-AUC; the definitions of
``HandKeypoint3DMetric``) and writes to ``--out-dir`` (default: the dump's
folder) ``report.json``, ``skeletons_3d.png`` (predicted vs ground-truth 3D
skeletons, best to worst) and, with ``--show-dir`` (the pictures of
``tools/test.py --show-dir``), ``crops_ranked.png``, and, when the training
run's folder (``--work-dir``, default the dump's folder) has validation
metrics per epoch, ``learning_curve.png`` (validation PA-MPJPE per epoch
next to both baselines). Old pickled dumps are read only with
``--trust-pickle``.
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import List, Tuple

import numpy as np


def parse_args(argv: List[str]) -> argparse.Namespace:
    from egohands.apis.cli import (add_cfg_options_argument,
                                   add_debug_argument,
                                   add_trust_pickle_argument)
    parser = argparse.ArgumentParser(
        description='Table of a test run next to the mean-pose baselines, '
        'and its pictures')
    parser.add_argument('config', help='config file (its training set '
                        'gives the baselines)')
    parser.add_argument('predictions', help='dump of tools/test.py --dump')
    parser.add_argument('--show-dir', help='crop pictures of tools/test.py '
                        '--show-dir, for crops_ranked.png')
    parser.add_argument('--out-dir', help='output folder (default: the '
                        "dump's folder)")
    parser.add_argument('--work-dir', help="training run's folder, for "
                        "learning_curve.png (default: the dump's folder)")
    parser.add_argument('--num-crops', type=int, default=24,
                        help='crops in crops_ranked.png (default 24)')
    add_cfg_options_argument(parser)
    add_trust_pickle_argument(
        parser, help='read an old pickled dump (.pkl) you trust')
    add_debug_argument(parser)
    return parser.parse_args(argv)


def training_joints(cfg) -> Tuple[np.ndarray, np.ndarray, List[str]]:
    """Joints (M, K, 3) mm, validity (M, K) and sides of the training set."""
    from mmengine.registry import init_default_scope

    from egohands.codecs import dataset_joints
    from egohands.registry import DATASETS
    init_default_scope(cfg.get('default_scope', 'egohands'))
    return dataset_joints(DATASETS.build(cfg.train_dataloader.dataset),
                          'mean-pose baselines')


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    import cv2

    from egohands.apis.tool_config import load_config
    from egohands.evaluation.prediction_dump import load_prediction_dump
    from egohands.evaluation.run_report import (MODEL,
                                                compare_with_baselines,
                                                dump_arrays, format_table,
                                                validation_history)
    from egohands.utils.errors import MissingAssetError
    from egohands.visualization.report_figures import (learning_curve,
                                                       per_hand_errors,
                                                       ranked_crop_grid,
                                                       ranked_skeleton_grid)

    if not osp.isfile(args.predictions):
        raise MissingAssetError(
            f'{args.predictions}: no such prediction dump; write it with '
            'tools/test.py CONFIG CHECKPOINT --dump FILE')
    cfg = load_config(args.config, args.cfg_options)
    records = load_prediction_dump(
        args.predictions, args.trust_pickle or None)['predictions']
    report = compare_with_baselines(records, *training_joints(cfg))
    print(format_table(report))

    out_dir = args.out_dir or osp.dirname(osp.abspath(args.predictions))
    os.makedirs(out_dir, exist_ok=True)
    report.update(config=args.config, predictions=args.predictions)
    with open(osp.join(out_dir, 'report.json'), 'w') as f:
        json.dump(report, f, indent=1)
    pred, gt, valid, _ = dump_arrays(records)
    errors = per_hand_errors(pred, gt, valid)
    written = [osp.join(out_dir, 'skeletons_3d.png')]
    cv2.imwrite(written[0], ranked_skeleton_grid(pred, gt, valid, errors))
    if args.show_dir:
        kept = [r for r in records if r.get('gt_joints_3d') is not None]
        grid = ranked_crop_grid(args.show_dir, kept, errors, args.num_crops)
        if grid is None:
            print(f'no crop picture of these predictions in {args.show_dir}: '
                  'run tools/test.py with --show-dir on the same split')
        else:
            written.append(osp.join(out_dir, 'crops_ranked.png'))
            cv2.imwrite(written[-1], grid)
    history = validation_history(args.work_dir or out_dir)
    if history['epoch']:
        written.append(osp.join(out_dir, 'learning_curve.png'))
        baselines = {name: metrics['pa_mpjpe']
                     for name, metrics in report['rows'].items()
                     if name != MODEL}
        cv2.imwrite(written[-1], learning_curve(history, baselines))
    else:
        print('no validation history in '
              f'{args.work_dir or out_dir}: learning_curve.png not drawn')
    print('wrote ' + ', '.join([osp.join(out_dir, 'report.json'), *written]))
    return 0


if __name__ == '__main__':
    from egohands.apis.cli import run_cli
    sys.exit(run_cli(main))
