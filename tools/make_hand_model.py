"""Write the egohands synthetic hand in MANO's file format.

    python tools/make_hand_model.py --out data/hand_models/synthetic

Writes ``MANO_RIGHT.pkl`` and ``MANO_LEFT.pkl``: a procedurally built adult
hand (NOT the MANO model) with MANO's keys, shapes, kinematic tree and
fingertip vertex ids, so that ``smplx.MANO`` and ``egohands.hand_models.
MANOHand`` load it like the real files. The same bytes on every run. See
docs/hand_models.md.
"""
import argparse
import sys
import time
from typing import List


def parse_args(argv: List[str]) -> argparse.Namespace:
    from egohands.apis.cli import add_debug_argument
    parser = argparse.ArgumentParser(
        description='Write the synthetic MANO-format hand model')
    parser.add_argument('--out', default='data/hand_models/synthetic',
                        help='output folder (default: %(default)s)')
    add_debug_argument(parser)
    return parser.parse_args(argv)


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    from egohands.synth.hand import write_synthetic_model
    start = time.time()
    paths = write_synthetic_model(args.out)
    print(f'synthetic hand model (not MANO) written in '
          f'{time.time() - start:.1f} s: {", ".join(paths)}')
    return 0


if __name__ == '__main__':
    from egohands.apis.cli import run_cli
    sys.exit(run_cli(main))
