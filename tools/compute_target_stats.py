"""Compute a codec's target statistics from the training annotations.

    python tools/compute_target_stats.py CONFIG [--out FILE]
        [--cfg-options k=v ...]

Reads ``train_dataloader.dataset`` of the config (annotations only, no image
is loaded), computes the per-joint mean and std of the wrist-relative joints
(``egohands.codecs.stats_from_dataset``) and writes them as JSON to
``--out``, by default to the ``stats_file`` of the config's codec, else to
``<work_dir>/target_stats.json``. Name the file in the codec config
(``stats_file=...``) so that training uses it; without a file the
``TargetStatsHook`` computes the same numbers when training starts.
"""
import argparse
import os.path as osp
import sys
from typing import Any, Iterator, List, Tuple


def parse_args(argv: List[str]) -> argparse.Namespace:
    from egohands.apis.cli import add_cfg_options_argument, add_debug_argument
    parser = argparse.ArgumentParser(
        description='Compute target statistics of a config')
    parser.add_argument('config', help='config file')
    parser.add_argument('--out', help='output JSON file')
    parser.add_argument('--work-dir', help='default output folder')
    add_cfg_options_argument(parser)
    add_debug_argument(parser)
    return parser.parse_args(argv)


def codec_configs(node: Any, path: str = '') -> Iterator[Tuple[str, dict]]:
    """(config path, dict) of every dict in ``node`` with a ``stats_file``
    key (the codecs that take statistics)."""
    if isinstance(node, dict):
        if 'stats_file' in node and 'type' in node:
            yield path, node
        for key, value in node.items():
            yield from codec_configs(value, f'{path}.{key}' if path else key)
    elif isinstance(node, (list, tuple)):
        for index, value in enumerate(node):
            yield from codec_configs(value, f'{path}[{index}]')


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    from mmengine.registry import init_default_scope

    from egohands.apis.config_validation import validate_config
    from egohands.apis.tool_config import load_config, set_work_dir
    from egohands.codecs.target_stats import save_stats, stats_from_dataset
    from egohands.registry import DATASETS
    from egohands.utils.errors import ConfigError

    cfg = load_config(args.config, args.cfg_options)
    set_work_dir(cfg, args.work_dir, args.config)
    validate_config(cfg, args.config)
    codecs = list(codec_configs(cfg.to_dict().get('model', {}), 'model'))
    if not codecs:
        raise ConfigError(f'{args.config}: the model has no codec with a '
                          'stats_file argument; nothing to compute')
    codec_path, codec = codecs[0]
    out = args.out or codec.get('stats_file') or osp.join(
        cfg.work_dir, 'target_stats.json')
    init_default_scope(cfg.get('default_scope', 'egohands'))
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    stats = stats_from_dataset(dataset, codec.get('root_index', 0))
    save_stats(stats, out)
    print(f'target statistics of {stats["num_hands"]} hands '
          f'({stats["source"]}) written to {out}')
    if codec.get('stats_file') != out:
        print(f'use them with --cfg-options {codec_path}.stats_file={out}')
    return 0


if __name__ == '__main__':
    from egohands.apis.cli import run_cli
    sys.exit(run_cli(main))
