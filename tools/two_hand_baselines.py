"""Scores of the "learnt nothing" baselines of a two-hand config.

    python tools/two_hand_baselines.py CONFIG [--cfg-options k=v ...]

For configs of two-hand models (``TwoHandImageDataset``, WildHands): the
mean wrist-relative training pose of each side, placed with the mean
training left-minus-right wrist offset, scored on the test split
(``test_dataloader.dataset``) with the definitions of
``TwoHandKeypoint3DMetric``: MPJPE (root-relative), PA-MPJPE, PCK-AUC and
MRRPE (``egohands.evaluation.two_hand_baselines``). Annotations only, no
image is read. A trained model that does not beat these numbers has learnt
nothing from the images.
"""
import argparse
import sys
from typing import List


def parse_args(argv: List[str]) -> argparse.Namespace:
    from egohands.apis.cli import add_cfg_options_argument, add_debug_argument
    parser = argparse.ArgumentParser(
        description='Mean-pose and mean-offset baselines of a two-hand '
        'config on its test split')
    parser.add_argument('config', help='config file')
    add_cfg_options_argument(parser)
    add_debug_argument(parser)
    return parser.parse_args(argv)


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    from mmengine.registry import init_default_scope

    from egohands.apis.tool_config import load_config
    from egohands.evaluation.two_hand_baselines import (image_hands,
                                                        two_hand_baselines)
    from egohands.registry import DATASETS

    cfg = load_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'egohands'))
    train, test = (image_hands(DATASETS.build(cfg[split].dataset))
                   for split in ('train_dataloader', 'test_dataloader'))
    scores = two_hand_baselines(train, test)
    print(f'baselines from {len(train)} training images on {len(test)} '
          'test images (mean pose per side, mean left-right wrist offset):')
    for key, value in scores.items():
        print(f'  {key}: {value:.2f}')
    return 0


if __name__ == '__main__':
    from egohands.apis.cli import run_cli
    sys.exit(run_cli(main))
