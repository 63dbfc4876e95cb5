"""Write a grid of what a config's data pipeline feeds the model.

    python tools/browse_dataset.py CONFIG [--split train|val|test]
        [--out FILE] [--num N] [--no-aug] [--seed S] [--cfg-options k=v ...]

Each cell is one packed input crop with its 2D keypoints and skeleton,
labelled with the annotation id, the hand side and the flip. ``--no-aug``
drops the random augmentations. User mistakes (missing data, bad config)
end with one ``error:`` line and status 2.
"""
import argparse
import os
import sys
from typing import List


def parse_args(argv: List[str]) -> argparse.Namespace:
    from egohands.apis.cli import add_cfg_options_argument, add_debug_argument
    parser = argparse.ArgumentParser(
        description='Draw the input crops of a dataset split with their '
        'keypoints')
    parser.add_argument('config', help='config file')
    parser.add_argument('--split', default='train',
                        choices=['train', 'val', 'test'])
    parser.add_argument('--out', help='output picture (default: work_dirs/'
                        'browse_dataset/<config>_<split>.jpg)')
    parser.add_argument('--num', type=int, default=16,
                        help='number of samples (default 16)')
    parser.add_argument('--no-aug', action='store_true',
                        help='drop the random augmentations')
    parser.add_argument('--seed', type=int, default=0)
    add_cfg_options_argument(
        parser, help='override config entries, e.g. data_root=DIR')
    add_debug_argument(parser)
    return parser.parse_args(argv)


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    import cv2
    from mmengine.registry import init_default_scope
    from mmengine.utils import import_modules_from_strings

    from egohands.apis.output_paths import check_output_file
    from egohands.apis.tool_config import load_config
    from egohands.utils.errors import ConfigError
    from egohands.visualization.dataset_browser import browse_dataset

    if args.num < 1:
        raise ConfigError(f'--num must be >= 1, got {args.num}')
    cfg = load_config(args.config, args.cfg_options)
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg['custom_imports'])
    init_default_scope(cfg.get('default_scope', 'egohands'))
    out = args.out or os.path.join(
        'work_dirs', 'browse_dataset',
        f'{os.path.splitext(os.path.basename(args.config))[0]}_'
        f'{args.split}.jpg')
    check_output_file(out)
    grid = browse_dataset(cfg, args.split, args.num, args.no_aug, args.seed)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    if not cv2.imwrite(out, grid):
        raise ConfigError(f'could not write {out}: use a .jpg or .png name '
                          'in a writable folder')
    print(f'wrote {out} ({grid.shape[1]}x{grid.shape[0]} px, '
          f'{args.split} split)')
    return 0


if __name__ == '__main__':
    from egohands.apis.cli import run_cli
    sys.exit(run_cli(main))
