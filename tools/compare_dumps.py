"""Compare two models on one split: scores and a paired bootstrap.

    python tools/compare_dumps.py A.npz B.npz [--names A B]
        [--resamples 2000] [--seed 0] [--trust-pickle]

A and B are dumps of ``tools/test.py CONFIG CKPT --dump FILE`` on the same
split. Prints MPJPE (root-relative), PA-MPJPE and MRRPE of both (the
definitions of ``HandKeypoint3DMetric``), A - B, and the 95 % interval of
A - B over resamples of the test images
(``egohands.evaluation.paired_bootstrap``): a difference whose interval
holds 0 is within the sampling noise of the test set.
"""
import argparse
import os.path as osp
import sys
from typing import List


def parse_args(argv: List[str]) -> argparse.Namespace:
    from egohands.apis.cli import add_debug_argument, add_trust_pickle_argument
    parser = argparse.ArgumentParser(
        description='Two prediction dumps of one split: scores and a '
        'paired bootstrap of the difference')
    parser.add_argument('dumps', nargs=2, metavar='DUMP',
                        help='dumps of tools/test.py --dump (A, B)')
    parser.add_argument('--names', nargs=2, default=('A', 'B'),
                        help='column titles of A and B')
    parser.add_argument('--resamples', type=int, default=2000,
                        help='bootstrap resamples (default 2000)')
    parser.add_argument('--seed', type=int, default=0)
    add_trust_pickle_argument(
        parser, help='read an old pickled dump (.pkl) you trust')
    add_debug_argument(parser)
    return parser.parse_args(argv)


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    from egohands.evaluation.paired_bootstrap import (format_comparison,
                                                      paired_bootstrap)
    from egohands.evaluation.prediction_dump import load_prediction_dump
    from egohands.utils.errors import ConfigError, MissingAssetError

    if args.resamples < 1:
        raise ConfigError(f'--resamples must be >= 1, got {args.resamples}')
    records = []
    for path in args.dumps:
        if not osp.isfile(path):
            raise MissingAssetError(
                f'{path}: no such prediction dump; write it with '
                'tools/test.py CONFIG CHECKPOINT --dump FILE')
        records.append(load_prediction_dump(
            path, args.trust_pickle or None)['predictions'])
    result = paired_bootstrap(*records, num_resamples=args.resamples,
                              seed=args.seed)
    print(format_comparison(result, tuple(args.names)))
    return 0


if __name__ == '__main__':
    from egohands.apis.cli import run_cli
    sys.exit(run_cli(main))
