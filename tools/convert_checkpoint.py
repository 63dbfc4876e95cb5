"""Convert a released checkpoint of another codebase for egohands.

    python tools/convert_checkpoint.py hamer SRC DST [--keep-discriminator]
        [--force]

One sub-command per source codebase (``python tools/convert_checkpoint.py
-h`` lists them; egohands/checkpoint_converters/ holds one module each).
The output loads with ``load_from=DST`` in the matching config and with
``torch.load(weights_only=True)``; the tool prints what was kept and
dropped and the sha256 of DST (model_zoo.md lists the sources).
"""
import argparse
import sys
from typing import List


def parse_args(argv: List[str]) -> argparse.Namespace:
    from egohands.apis.cli import add_debug_argument
    from egohands.checkpoint_converters import CONVERTERS, get_converter
    parser = argparse.ArgumentParser(
        description='Convert a released checkpoint for egohands')
    commands = parser.add_subparsers(dest='source', required=True,
                                     metavar='SOURCE')
    for name in CONVERTERS:
        converter = get_converter(name)
        sub = commands.add_parser(name, help=converter.DESCRIPTION,
                                  description=converter.DESCRIPTION)
        sub.add_argument('src', help='released checkpoint file')
        sub.add_argument('dst', help='egohands checkpoint to write')
        sub.add_argument('--force', action='store_true',
                         help='overwrite DST if it exists')
        add_debug_argument(sub)
        converter.add_arguments(sub)
    return parser.parse_args(argv)


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    from egohands.checkpoint_converters import get_converter
    from egohands.hub import file_sha256
    report = get_converter(args.source).run(args)
    print(report.summary())
    print(f'written {args.dst} (sha256 {file_sha256(args.dst)})')
    return 0


if __name__ == '__main__':
    from egohands.apis.cli import run_cli
    sys.exit(run_cli(main))
