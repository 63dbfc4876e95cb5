"""Checking where a tool will write, before it starts working.

A work dir or output folder that is an existing *file* (or sits under one)
made the tools fail late with a ``FileExistsError`` traceback, sometimes
after the whole test set had run. These checks run first and raise one
:class:`~egohands.utils.errors.ConfigError` naming the flag and the path.
"""
from __future__ import annotations

import os
import os.path as osp

from egohands.utils.errors import ConfigError


def _file_on_the_way(folder: str):
    """The first existing non-directory among ``folder`` and its parents."""
    path = osp.abspath(folder)
    while True:
        if osp.exists(path):
            return None if osp.isdir(path) else path
        parent = osp.dirname(path)
        if parent == path:
            return None
        path = parent


def check_output_dir(folder: str, flag: str = '--work-dir',
                     create: bool = True) -> None:
    """ConfigError if ``folder`` is (or lies under) a file; else make it."""
    blocker = _file_on_the_way(folder)
    if blocker is not None:
        raise ConfigError(f'{flag} {folder}: {blocker} is a file, not a '
                          'directory; give another path')
    if create:
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as err:
            raise ConfigError(f'{flag} {folder} cannot be created: '
                              f'{err.strerror}') from None


def check_output_file(path: str, flag: str = '--out') -> None:
    """ConfigError if ``path`` is a directory or its folder cannot exist."""
    if osp.isdir(path):
        raise ConfigError(f'{flag} {path} is a directory; give a file name')
    check_output_dir(osp.dirname(osp.abspath(path)), flag=f'{flag} {path}:'
                     ' folder', create=False)
