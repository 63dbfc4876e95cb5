"""What every egohands command-line tool shares: user errors as one line.

``run_cli(main)`` runs a tool's ``main(argv)``. A user mistake (any
:class:`~egohands.utils.errors.EgohandsError`: wrong config key, unknown
type, missing data root, malformed record, missing checkpoint) is printed as
``error: <message>`` on stderr and the tool exits with status 2, without a
traceback. ``--debug`` on the command line or ``EGOHANDS_DEBUG=1`` in the
environment shows the traceback instead.

The ``add_*_argument`` helpers define the flags several tools share, so
that each has one name, default and help text.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import sys
from typing import Callable, Iterator, List, Optional

from egohands.utils.errors import EgohandsError

DEBUG_ENV = 'EGOHANDS_DEBUG'
USER_ERROR_STATUS = 2


def debug_requested(argv: List[str]) -> bool:
    """True if ``--debug`` is given or ``EGOHANDS_DEBUG`` is set (not 0)."""
    return '--debug' in argv or os.environ.get(DEBUG_ENV, '0') not in ('',
                                                                       '0')


def run_cli(main: Callable[[List[str]], Optional[int]],
            argv: Optional[List[str]] = None) -> int:
    """Run ``main(argv)``; return its status, or 2 after a user error."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return main(argv) or 0
    except EgohandsError as err:
        if debug_requested(argv):
            raise
        print(f'error: {error_line(err)}', file=sys.stderr, flush=True)
        return USER_ERROR_STATUS


def error_line(err: BaseException) -> str:
    """The message of a user error as one line.

    An error raised in a DataLoader worker comes back re-raised with the
    worker's traceback in its message (``Caught X in DataLoader worker
    process 0. Original Traceback ...``); its last line is the message.
    """
    message = str(err).strip()
    if 'Original Traceback' in message:
        last = message.splitlines()[-1]
        for name in (f'{type(err).__module__}.{type(err).__qualname__}',
                     type(err).__qualname__):
            if last.startswith(name + ': '):
                last = last[len(name) + 2:]
        message = f'{last} (in a data loader worker)'
    return ' '.join(message.split())


@contextlib.contextmanager
def config_context(config_path: str) -> Iterator[None]:
    """Prefix user errors raised while running a config with its file name.

    Errors that already name the config (the validator's) pass unchanged.
    """
    try:
        yield
    except EgohandsError as err:
        if str(err).startswith(config_path):
            raise
        raise type(err)(f'{config_path}: {err}') from err


def add_debug_argument(parser: argparse.ArgumentParser) -> None:
    """``--debug``: show the traceback of a user error (see ``run_cli``)."""
    parser.add_argument('--debug', action='store_true',
                        help='show tracebacks of user errors')


def add_cfg_options_argument(parser: argparse.ArgumentParser,
                             help: Optional[str] = 'override config entries'
                             ) -> None:
    """``--cfg-options k=v ...``: entries that override the config's."""
    from mmengine.config import DictAction
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help=help)


def add_trust_pickle_argument(parser: argparse.ArgumentParser,
                              help: str) -> None:
    """``--trust-pickle``: read pickled files the safe loaders refuse; the
    help says which files, as it differs from tool to tool."""
    parser.add_argument('--trust-pickle', action='store_true', help=help)


def add_runner_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags every Runner tool shares: ``--cfg-options``,
    ``--launcher``, ``--local-rank`` / ``--local_rank``, ``--trust-pickle``
    and ``--debug``."""
    add_cfg_options_argument(
        parser, help='override config entries, e.g. '
        'train_cfg.max_epochs=1 data_root=data/x')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local-rank', '--local_rank', type=int,
                        default=None, help='set by old launchers')
    add_trust_pickle_argument(
        parser, help='load checkpoints you trust even if they hold objects '
        'weights-only loading refuses (runs their pickled code)')
    add_debug_argument(parser)
