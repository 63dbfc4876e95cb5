"""Convert the official MANO files into chumpy-free numpy pickles.

    python tools/prepare_mano.py --src DIR --out DIR [--trust-pickle]

``--src`` holds the downloaded ``MANO_RIGHT.pkl`` / ``MANO_LEFT.pkl``
(``mano_v1_2/models/`` of the archive from https://mano.is.tue.mpg.de).
They contain chumpy objects, and chumpy does not install on Python 3.11 with
NumPy 2; this tool reads them without chumpy and writes the same keys as
plain arrays (``J_regressor`` dense) to ``--out``, which egohands'
``MANOHand`` (``model_path=--out``) and ``smplx.MANO`` load. The MANO
licence forbids redistributing the result: keep it out of git. The files
are unpickled through an allow-list (nothing they name is run);
``--trust-pickle`` lifts it for a file you trust that names other classes.
"""
import argparse
import sys
from typing import List


def parse_args(argv: List[str]) -> argparse.Namespace:
    from egohands.apis.cli import add_debug_argument, add_trust_pickle_argument
    parser = argparse.ArgumentParser(
        description='Convert official MANO pickles to plain numpy pickles')
    parser.add_argument('--src', required=True,
                        help='folder with the official MANO_*.pkl files')
    parser.add_argument('--out', required=True, help='output folder')
    add_trust_pickle_argument(
        parser, help='unpickle classes outside the MANO allow-list '
        '(only for files you trust)')
    add_debug_argument(parser)
    return parser.parse_args(argv)


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    from egohands.hand_models.mano_files import prepare_mano_files
    for path in prepare_mano_files(args.src, args.out,
                                   trust_pickle=args.trust_pickle or None):
        print(f'wrote {path}')
    return 0


if __name__ == '__main__':
    from egohands.apis.cli import run_cli
    sys.exit(run_cli(main))
