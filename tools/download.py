"""Download model-zoo checkpoints and verify their sha256 before use.

    python tools/download.py NAME [NAME ...] [--dest DIR] [--sha256 HEX]
        [--index FILE.json] [--quiet]
    python tools/download.py --list | --markdown

Files land in ``--dest`` (default ``$EGOHANDS_CHECKPOINT_DIR`` or
``checkpoints/``) only after their hash and size match the index; a file
already there with the right hash is not fetched again. Entries whose
upstream publishes no hash (HaMeR, POTTER, PCIE, WildHands) are refused
with the manual steps and the ``tools/convert_checkpoint.py`` command,
unless ``--sha256 HEX`` pins a hash you trust. ``EGOHANDS_MODEL_ZOO_URL``
points every download at a mirror (``<base>/<file name>``);
``EGOHANDS_MODEL_ZOO_INDEX`` or ``--index`` adds JSON index files.
``--markdown`` prints the download table of ``model_zoo.md``. Details:
``egohands.hub``.
"""
import argparse
import sys
from typing import List

ARCHIVE_SUFFIXES = ('.tar.gz', '.tgz', '.tar', '.zip')


def parse_args(argv: List[str]) -> argparse.Namespace:
    from egohands.apis.cli import add_debug_argument
    parser = argparse.ArgumentParser(
        description='Download and verify model-zoo checkpoints')
    parser.add_argument('names', nargs='*', metavar='NAME',
                        help='model-zoo entries (see --list)')
    parser.add_argument('--dest', help='directory of the downloaded files')
    parser.add_argument('--sha256', metavar='HEX',
                        help='pin the expected sha256 (needed for entries '
                        'without a published hash; one NAME only)')
    parser.add_argument('--index', nargs='+', default=[], metavar='FILE',
                        help='extra JSON index files')
    parser.add_argument('--list', action='store_true',
                        help='list the entries')
    parser.add_argument('--markdown', action='store_true',
                        help='print the download table of model_zoo.md')
    parser.add_argument('--quiet', action='store_true',
                        help='no progress bar')
    add_debug_argument(parser)
    return parser.parse_args(argv)


def format_listing(entries) -> str:
    """One line per entry: name, verified or manual, size, description."""
    width = max([4] + [len(e.name) for e in entries])
    lines = [f'{"name":<{width}}  {"download":<9}  {"size":>12}  '
             'description']
    for e in entries:
        how = 'verified' if e.verifiable and e.url else 'manual'
        size = '-' if e.size is None else f'{e.size:,}'
        lines.append(f'{e.name:<{width}}  {how:<9}  {size:>12}  '
                     f'{e.description}')
    return '\n'.join(lines)


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    from egohands.hub.download import download_model
    from egohands.hub.model_zoo import markdown_table, model_zoo_index
    from egohands.utils.errors import ConfigError

    index = model_zoo_index(args.index)
    if args.list:
        print(format_listing(list(index.values())))
        return 0
    if args.markdown:
        print(markdown_table(index.values()))
        return 0
    if not args.names:
        raise ConfigError('name a model-zoo entry to download, or pass '
                          '--list to see them')
    if args.sha256 and len(args.names) > 1:
        raise ConfigError('--sha256 pins the hash of one file: name one '
                          'entry')
    progress = None if args.quiet else sys.stderr
    for name in args.names:
        path = download_model(name, args.dest, args.sha256, progress, index)
        entry = index[name]
        print(f'{name}: {path} (sha256 verified)')
        if entry.convert:
            archive = path.endswith(ARCHIVE_SUFFIXES)
            print('  convert it with: ' + (entry.convert if archive else
                                           entry.convert.replace('SRC', path))
                  + (f'\n  (SRC: extract it first; {entry.how_to_obtain})'
                     if archive else ''))
    return 0


if __name__ == '__main__':
    from egohands.apis.cli import run_cli
    sys.exit(run_cli(main))
