"""Render EgoSynth, egohands' synthetic egocentric hand dataset.

    python tools/make_egosynth.py --out data/egosynth --train 2000 --val 200
        --test 200 --size 256 --seed 0 [--seq-len T] [--views V]
        [--hand-model DIR] [--workers W]

Writes ``<out>/annotations/<split>.json`` (docs/data_format.md) and
``<out>/images/<split>/*.jpg``; the same arguments give byte-identical
files, with any number of workers. The hand model folder defaults to the
synthetic hand of ``tools/make_hand_model.py``, which is written there first
if it is missing. See docs/egosynth.md.
"""
import argparse
import os
import sys
from typing import List

DEFAULT_HAND_MODEL = 'data/hand_models/synthetic'


def parse_args(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Render the EgoSynth synthetic egocentric hand dataset')
    parser.add_argument('--out', default='data/egosynth',
                        help='output folder (default: %(default)s)')
    for split, default in (('train', 2000), ('val', 200), ('test', 200)):
        parser.add_argument(f'--{split}', type=int, default=default,
                            help=f'{split} images (default: %(default)s; '
                            'rounded up to whole sequences)')
    parser.add_argument('--size', type=int, default=256,
                        help='image width and height, px (default: 256)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--seq-len', type=int, default=1,
                        help='frames per sequence (default 1: independent '
                        'images)')
    parser.add_argument('--views', type=int, default=1,
                        help='cameras of the headset rig (default 1)')
    parser.add_argument('--hand-model', default=DEFAULT_HAND_MODEL,
                        help='folder with MANO_RIGHT.pkl and MANO_LEFT.pkl '
                        '(default: %(default)s, created if missing)')
    parser.add_argument('--workers', type=int, default=None,
                        help='processes (default: the number of CPU cores)')
    parser.add_argument('--no-progress', action='store_true',
                        help='do not draw the progress bar')
    parser.add_argument('--debug', action='store_true',
                        help='show tracebacks of user errors')
    return parser.parse_args(argv)


def check_args(args: argparse.Namespace) -> None:
    """Reject impossible values with one clear line."""
    from egohands.utils.errors import ConfigError
    checks = [('--size', args.size, 32), ('--seq-len', args.seq_len, 1),
              ('--views', args.views, 1), ('--train', args.train, 0),
              ('--val', args.val, 0), ('--test', args.test, 0)]
    for flag, value, low in checks:
        if value < low:
            raise ConfigError(f'{flag} must be >= {low}, got {value}')
    if args.workers is not None and args.workers < 1:
        raise ConfigError(f'--workers must be >= 1, got {args.workers}')


def ensure_hand_model(path: str) -> None:
    """Write the synthetic hand where the default expects it; for any other
    folder a missing model file is the user's to fix."""
    from egohands.hand_models.mano_layout import MANO_FILE_NAMES
    from egohands.utils.errors import MissingAssetError
    missing = [name for name in MANO_FILE_NAMES.values()
               if not os.path.isfile(os.path.join(path, name))]
    if not missing:
        return
    if os.path.normpath(path) == os.path.normpath(DEFAULT_HAND_MODEL):
        from egohands.synth.hand import write_synthetic_model
        print(f'writing the synthetic hand model to {path} '
              '(tools/make_hand_model.py)')
        write_synthetic_model(path)
        return
    raise MissingAssetError(
        f'--hand-model {path}: {", ".join(missing)} not found; write the '
        f'synthetic hand with `python tools/make_hand_model.py --out {path}`'
        ' or point --hand-model to a folder with the MANO files')


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    check_args(args)
    from egohands.synth.egosynth import EgoSynthConfig, generate_egosynth
    ensure_hand_model(args.hand_model)
    config = EgoSynthConfig(width=args.size, height=args.size,
                            seq_len=args.seq_len, views=args.views)
    workers = args.workers or os.cpu_count() or 1
    generate_egosynth(args.out, dict(train=args.train, val=args.val,
                                     test=args.test),
                      seed=args.seed, model_dir=args.hand_model,
                      config=config, workers=workers,
                      progress=not args.no_progress)
    return 0


if __name__ == '__main__':
    from egohands.apis.cli import run_cli
    sys.exit(run_cli(main))
