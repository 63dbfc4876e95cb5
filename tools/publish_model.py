"""Publish a trained checkpoint to a model-zoo folder a team can host anywhere.

    python tools/publish_model.py CKPT OUT [--name NAME] [--config CONFIG]
        [--metrics METRICS.json] [--description TEXT]

Writes ``OUT/<NAME>-<sha256[:8]>.pth`` holding only the weights and the
config text (``state_dict`` and ``meta.cfg``: optimizer, scheduler and log
history are dropped) and adds or replaces the entry NAME in
``OUT/index.json`` (a model-zoo index: name, filename, relative url,
sha256, size, config, metrics; format: egohands/hub/model_zoo.py). Serve OUT
over HTTP (or share it as a folder) and point egohands at the index::

    export EGOHANDS_MODEL_ZOO_INDEX=https://example.org/models/index.json
    python tools/infer.py NAME my_video.mp4

NAME defaults to the config's file name without ``.py`` (else the
checkpoint's folder, ``work_dirs/<config stem>``); METRICS is the
``metrics.json`` that tools/test.py writes.
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import List


def parse_args(argv: List[str]) -> argparse.Namespace:
    from egohands.apis.cli import add_debug_argument
    parser = argparse.ArgumentParser(
        description='Publish a checkpoint with a model-zoo index entry')
    parser.add_argument('checkpoint', help='a tools/train.py checkpoint')
    parser.add_argument('out', help='the published folder (index.json)')
    parser.add_argument('--name', help='model-zoo name (default: config '
                        "file name, else the checkpoint's folder)")
    parser.add_argument('--config', help='config path recorded in the '
                        'entry (default: the one the checkpoint names)')
    parser.add_argument('--metrics', help="tools/test.py's metrics.json")
    parser.add_argument('--description', default='', help='one line')
    add_debug_argument(parser)
    return parser.parse_args(argv)


def published_checkpoint(checkpoint: dict, path: str) -> dict:
    """Weights and config text of a Runner checkpoint, nothing else."""
    from egohands.utils.errors import CheckpointError
    if not isinstance(checkpoint, dict) or 'state_dict' not in checkpoint:
        raise CheckpointError(f'checkpoint {path}: holds no state_dict')
    meta = checkpoint.get('meta') or {}
    if not meta.get('cfg'):
        raise CheckpointError(f'checkpoint {path}: carries no config text '
                              '(meta.cfg); publish tools/train.py '
                              'checkpoints')
    return dict(state_dict=checkpoint['state_dict'],
                meta=dict(cfg=meta['cfg'],
                          source_checkpoint=osp.basename(path)))


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    import torch
    from mmengine.config import Config

    from egohands.hub import file_sha256, load_checkpoint_verified
    from egohands.hub.model_zoo import (ModelZooEntry, check_entry,
                                        read_index_file)
    from egohands.utils.errors import ConfigError
    slim = published_checkpoint(load_checkpoint_verified(args.checkpoint),
                                args.checkpoint)
    Config.fromstring(slim['meta']['cfg'], '.py')  # it must parse
    config = args.config
    name = args.name or (osp.splitext(osp.basename(config))[0] if config
                         else osp.basename(osp.dirname(osp.abspath(
                             args.checkpoint))))
    metrics = None
    if args.metrics:
        try:
            with open(args.metrics) as f:
                metrics = {k: v for k, v in json.load(f).items()
                           if isinstance(v, (int, float))}
        except (OSError, ValueError, AttributeError) as err:
            raise ConfigError(f'--metrics {args.metrics}: cannot read a '
                              f'JSON object of metrics ({err})') from err
    os.makedirs(args.out, exist_ok=True)
    staging = osp.join(args.out, f'.{name}.pth.part')
    torch.save(slim, staging)
    sha256 = file_sha256(staging)
    filename = f'{name}-{sha256[:8]}.pth'
    os.replace(staging, osp.join(args.out, filename))
    entry = check_entry(ModelZooEntry(
        name=name, filename=filename, description=args.description,
        url=filename, sha256=sha256,
        size=osp.getsize(osp.join(args.out, filename)), config=config,
        metrics=metrics), args.out)
    index_path = osp.join(args.out, 'index.json')
    entries = [e for e in (read_index_file(index_path)
                           if osp.isfile(index_path) else [])
               if e.name != name]
    rows = [_row(e, args.out) for e in entries] + [_row(entry, args.out)]
    with open(index_path, 'w') as f:
        json.dump(rows, f, indent=1)
    print(f'published {name}: {osp.join(args.out, filename)} '
          f'(sha256 {sha256}, {entry.size} bytes); index {index_path}')
    return 0


def _row(entry, out: str) -> dict:
    """The JSON object of an entry, urls of files in ``out`` relative."""
    import dataclasses
    row = {k: v for k, v in dataclasses.asdict(entry).items()
           if v not in (None, '')}
    if row.get('url', '').startswith('file:') and \
            row['url'].endswith('/' + entry.filename) and \
            osp.isfile(osp.join(out, entry.filename)):
        row['url'] = entry.filename
    return row


if __name__ == '__main__':
    from egohands.apis.cli import run_cli
    sys.exit(run_cli(main))
