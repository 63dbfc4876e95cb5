"""Train a model described by a config.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [auto|PATH]]
        [--amp] [--share-work-dir] [--cfg-options k=v ...]
        [--launcher none|pytorch|slurm|mpi] [--trust-pickle]

Distributed training goes through torchrun, e.g. on one machine:

    torchrun --nproc_per_node 2 tools/train.py CONFIG --launcher pytorch

``--resume`` (auto) takes the latest checkpoint of the work dir that loads
(``egohands.engine.resume``). Checkpoints are read weights-only
(``--trust-pickle`` for files you trust) and written atomically. User
mistakes end with one ``error:`` line and status 2 (``--debug`` or
``EGOHANDS_DEBUG=1`` shows the traceback). A NaN / infinite loss stops the
run the same way (``NonFiniteGuardHook``); the work dir is locked against a
second run unless ``--share-work-dir`` is given.
"""
import argparse
import pickle
import sys
from typing import List

from egohands.apis.cli import add_runner_arguments


def parse_args(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train an egohands model')
    parser.add_argument('config', help='config file')
    parser.add_argument('--work-dir', help='where logs and checkpoints go')
    parser.add_argument(
        '--resume', nargs='?', const='auto', default=None,
        metavar='auto|PATH',
        help='resume from PATH, or (bare / auto) from the last checkpoint '
        'of the work dir')
    parser.add_argument(
        '--share-work-dir', action='store_true',
        help='run even if another run holds the work dir (no lock)')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision (GPU only)')
    add_runner_arguments(parser)
    return parser.parse_args(argv)


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    from egohands.apis.cli import config_context
    from egohands.apis.config_validation import validate_config
    from egohands.apis.tool_config import (add_training_guards,
                                           build_runner, finish_distributed,
                                           is_first_rank, load_config,
                                           set_amp, set_launcher, set_resume,
                                           set_work_dir)
    from egohands.apis.work_dir_lock import acquire_work_dir_lock
    from egohands.utils.checkpoint import (explain_unpickling_error,
                                           install_safe_checkpoint_loading,
                                           trust_pickle_from_flag)

    install_safe_checkpoint_loading()
    trust_pickle_from_flag(args.trust_pickle)
    cfg = load_config(args.config, args.cfg_options)
    set_work_dir(cfg, args.work_dir, args.config)
    set_launcher(cfg, args.launcher, args.local_rank)
    set_resume(cfg, args.resume)
    if args.amp:
        set_amp(cfg)
    add_training_guards(cfg)
    validate_config(cfg, args.config)
    release = acquire_work_dir_lock(
        cfg.work_dir, share=args.share_work_dir or not is_first_rank())
    try:
        with config_context(args.config):
            runner = build_runner(cfg)
            try:
                runner.train()
            except pickle.UnpicklingError as err:
                raise explain_unpickling_error(
                    cfg.load_from or cfg.work_dir, err) from err
        finish_distributed()
    finally:
        release()
    return 0


if __name__ == '__main__':
    from egohands.apis.cli import run_cli
    sys.exit(run_cli(main))
