"""Test a checkpoint: metrics, and optionally predictions and pictures.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR]
        [--dump FILE.npz|FILE.json] [--show-dir DIR] [--tta]
        [--cfg-options k=v ...] [--launcher none|pytorch|slurm|mpi]
        [--trust-pickle]

Writes the metrics to ``<work_dir>/metrics.json`` (a flat JSON object
``{metric name: value}``) and prints them as a table. ``--dump`` saves
every prediction with its ground truth (format: ``egohands.evaluation.
prediction_dump``), or the benchmark's submission file when the
config declares a ``dump_writer`` (EgoExo4D); ``--show-dir`` draws predicted (and ground-truth)
skeletons on the input crops; ``--tta`` uses the config's ``tta_pipeline``
and ``tta_model``. The checkpoint is read weights-only (``--trust-pickle``
for a file you trust that holds other objects) and must fit the model: a
missing tensor or one of another shape stops the run
(``CheckpointFitHook``). User mistakes end with one ``error:`` line and
status 2.
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Dict, List

from egohands.apis.cli import add_runner_arguments


def parse_args(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test an egohands model')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where logs and metrics.json go')
    parser.add_argument('--dump', metavar='FILE',
                        help='save predictions + ground truth (.npz/.json), '
                        "or the benchmark's submission file (see "
                        '--dump-format)')
    parser.add_argument('--dump-format', default='auto',
                        choices=('auto', 'predictions', 'submission'),
                        help='auto (default): the submission file when the '
                        'config declares a dump_writer (EgoExo4D), '
                        'otherwise the egohands prediction dump')
    parser.add_argument('--show-dir', metavar='DIR',
                        help='save pictures of predicted vs ground-truth '
                        'skeletons on the crops')
    parser.add_argument('--tta', action='store_true',
                        help="test-time augmentation (the config's "
                        'tta_model and tta_pipeline)')
    add_runner_arguments(parser)
    return parser.parse_args(argv)


def format_metrics_table(metrics: Dict[str, float]) -> str:
    """A two-column text table of metric names and values."""
    width = max([len('metric')] + [len(name) for name in metrics])
    lines = [f'{"metric":<{width}}  value', f'{"-" * width}  ' + '-' * 10]
    for name, value in metrics.items():
        shown = f'{value:.4f}' if isinstance(value, float) else str(value)
        lines.append(f'{name:<{width}}  {shown}')
    return '\n'.join(lines)


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    from mmengine.dist import is_main_process

    from egohands.apis.cli import config_context
    from egohands.apis.config_validation import validate_config
    from egohands.apis.output_paths import (check_output_dir,
                                            check_output_file)
    from egohands.apis.tool_config import (add_prediction_dump,
                                           build_runner, finish_distributed,
                                           enable_visualization, load_config,
                                           set_launcher,
                                           set_test_time_augmentation,
                                           set_work_dir)
    from egohands.utils.checkpoint import (install_safe_checkpoint_loading,
                                           trust_pickle_from_flag)
    from egohands.utils.errors import MissingAssetError

    install_safe_checkpoint_loading()
    trust_pickle_from_flag(args.trust_pickle)
    if not osp.isfile(args.checkpoint):
        raise MissingAssetError(f'checkpoint {args.checkpoint} does not '
                                'exist')
    cfg = load_config(args.config, args.cfg_options)
    set_work_dir(cfg, args.work_dir, args.config)
    set_launcher(cfg, args.launcher, args.local_rank)
    cfg.load_from = args.checkpoint
    cfg.resume = False
    cfg.custom_hooks = list(cfg.get('custom_hooks', None) or []) + [
        dict(type='CheckpointFitHook', checkpoint=args.checkpoint)]
    if args.tta:
        set_test_time_augmentation(cfg, args.config)
    if args.show_dir:
        enable_visualization(cfg, args.show_dir, args.config)
    if args.dump:
        add_prediction_dump(cfg, args.dump, args.dump_format, args.config,
                            meta=dict(config=args.config,
                                      checkpoint=args.checkpoint))
    validate_config(cfg, args.config)
    check_output_dir(cfg.work_dir)
    if args.dump:
        check_output_file(args.dump, '--dump')
    if args.show_dir:
        check_output_dir(args.show_dir, '--show-dir', create=False)
    from egohands.engine.brief_env_runner import BriefEnvRunner
    with config_context(args.config):
        runner = build_runner(cfg, BriefEnvRunner)
        metrics = runner.test()
    if is_main_process():
        metrics = {name: float(value) if hasattr(value, '__float__') else
                   value for name, value in metrics.items()}
        os.makedirs(cfg.work_dir, exist_ok=True)
        out = osp.join(cfg.work_dir, 'metrics.json')
        with open(out, 'w') as f:
            json.dump(metrics, f, indent=1)
        print(format_metrics_table(metrics))
        print(f'metrics written to {out}')
    finish_distributed()
    return 0


if __name__ == '__main__':
    from egohands.apis.cli import run_cli
    sys.exit(run_cli(main))
