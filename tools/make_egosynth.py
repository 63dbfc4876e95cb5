"""Render EgoSynth, egohands' synthetic egocentric hand dataset.

    python tools/make_egosynth.py --out data/egosynth --train 2000 --val 200
        --test 200 --size 512 --seed 0 [--seq-len T] [--views V]
        [--hand-model DIR] [--workers W] [difficulty knobs: --fov,
        --hand-distance, --occluders, --truncation, --ambient, --skin,
        --gloves, --backgrounds, --no-forearms]

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
    from egohands.apis.cli import add_debug_argument
    parser = argparse.ArgumentParser(
        description='Render the EgoSynth synthetic egocentric hand dataset')
    parser.add_argument('--out', default='data/egosynth',
                        help='output folder (default: %(default)s)')
    for split, default in (('train', 2000), ('val', 200), ('test', 200)):
        parser.add_argument(f'--{split}', type=int, default=default,
                            help=f'{split} images (default: %(default)s; '
                            'rounded up to whole sequences)')
    parser.add_argument('--size', type=int, default=512,
                        help='image width and height, px (default: 512)')
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
    knobs = parser.add_argument_group(
        'difficulty knobs (defaults: the realistic benchmark, docs/egosynth.md)')
    knobs.add_argument('--fov', type=float, nargs=2, metavar=('LOW', 'HIGH'),
                       help='random horizontal fields of view (deg) with '
                       'jittered principal points instead of EgoExo4D\'s '
                       'f = 150 px at 512 px')
    knobs.add_argument('--hand-distance', type=float, nargs=2,
                       metavar=('NEAR', 'FAR'),
                       help='wrist distance range, metres (hand size in the '
                       'image; default 0.24 0.52)')
    knobs.add_argument('--occluders', type=float, metavar='P',
                       help='chance of objects between camera and hands '
                       '(default 0.25)')
    knobs.add_argument('--truncation', type=float, metavar='F',
                       help='largest fraction of a hand that may lie outside '
                       'the image (default 0.2; 0 keeps hands whole)')
    knobs.add_argument('--ambient', type=float, nargs=2,
                       metavar=('LOW', 'HIGH'),
                       help='ambient light range (default 0.25 0.55; lower '
                       'is darker)')
    knobs.add_argument('--skin', type=float, nargs=2, metavar=('LIGHT', 'DARK'),
                       help='part of the light-to-dark skin-tone range, 0-1 '
                       '(default 0 1)')
    knobs.add_argument('--gloves', type=float, metavar='P',
                       help='chance of a gloved hand (default 0.05)')
    knobs.add_argument('--backgrounds', nargs='+', metavar='KIND',
                       help='background textures to use (default all: '
                       'noise gradient stripes tiles floor blobs)')
    knobs.add_argument('--no-forearms', action='store_true',
                       help='bare hands cut at the wrist (earlier versions)')
    parser.add_argument('--no-progress', action='store_true',
                        help='do not draw the progress bar')
    add_debug_argument(parser)
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
    ranges = [('--fov', args.fov, 1.0, 179.0),
              ('--hand-distance', args.hand_distance, 0.07, 10.0),
              ('--ambient', args.ambient, 0.0, 1.0),
              ('--skin', args.skin, 0.0, 1.0)]
    for flag, pair, low, high in ranges:
        if pair is not None and not low <= pair[0] <= pair[1] <= high:
            raise ConfigError(f'{flag} takes LOW <= HIGH within [{low}, '
                              f'{high}], got {pair[0]} {pair[1]}')
    for flag, value in (('--occluders', args.occluders),
                        ('--truncation', args.truncation),
                        ('--gloves', args.gloves)):
        if value is not None and not 0.0 <= value <= 1.0:
            raise ConfigError(f'{flag} must be in [0, 1], got {value}')
    from egohands.synth.egosynth.backgrounds import BACKGROUND_KINDS
    unknown = sorted(set(args.backgrounds or ()) - set(BACKGROUND_KINDS))
    if unknown:
        raise ConfigError(f'--backgrounds: unknown kind(s) {", ".join(unknown)}'
                          f'; choose from {", ".join(BACKGROUND_KINDS)}')


def knob_config(args: argparse.Namespace):
    """The ``EgoSynthConfig`` of the size, sequence and difficulty options
    (unset knobs keep the realistic defaults)."""
    from dataclasses import replace
    from egohands.synth.egosynth import EgoSynthConfig
    from egohands.synth.egosynth.cameras import WIDE_ANGLE
    config = EgoSynthConfig(width=args.size, height=args.size,
                            seq_len=args.seq_len, views=args.views)
    camera, placement = config.camera, config.placement
    appearance, forearm = config.appearance, config.forearm
    if args.fov:
        camera = replace(WIDE_ANGLE, hfov_deg=tuple(args.fov))
    if args.hand_distance:
        placement = replace(placement,
                            root_distance_m=tuple(args.hand_distance))
    if args.truncation is not None:
        placement = replace(placement,
                            min_inside_fraction=1.0 - args.truncation)
    if args.ambient:
        appearance = replace(appearance, ambient=tuple(args.ambient))
    if args.skin:
        appearance = replace(appearance, skin_range=tuple(args.skin))
    if args.gloves is not None:
        appearance = replace(appearance, glove_prob=args.gloves)
    if args.no_forearms:
        forearm = replace(forearm, prob=0.0)
    extra = {}
    if args.occluders is not None:
        extra['occluder_prob'] = args.occluders
    if args.backgrounds:
        extra['background_kinds'] = tuple(args.backgrounds)
    return replace(config, camera=camera, placement=placement,
                   appearance=appearance, forearm=forearm, **extra)


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
    from egohands.synth.egosynth import generate_egosynth
    ensure_hand_model(args.hand_model)
    config = knob_config(args)
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
