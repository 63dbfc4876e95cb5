"""Reading a JSON file a user gave us: every failure is one clear line.

``json.load`` on a user's file can fail in ways that are not
``JSONDecodeError``: the path is a directory, the bytes are not UTF-8, the
nesting is deeper than Python's recursion limit. :func:`read_json_file`
turns each into :class:`~egohands.utils.errors.AnnotationError` (or
``DatasetNotFoundError`` for a missing file) naming the file and the fix.
Python's ``NaN`` / ``Infinity`` tokens are accepted (the EgoExo4D files hold
bare ``NaN``); readers check finiteness field by field.
"""
from __future__ import annotations

import json
import os
from typing import Any

from egohands.utils.errors import AnnotationError, DatasetNotFoundError


def read_json_file(path: str, what: str = 'annotation file',
                   hint: str = 'regenerate or fix the file') -> Any:
    """The parsed content of ``path``.

    Args:
        path: the file. what: what it is, for messages. hint: how to fix it.

    Raises:
        DatasetNotFoundError: ``path`` does not exist.
        AnnotationError: a directory, unreadable, not UTF-8, not JSON, or
            nested too deeply.
    """
    if os.path.isdir(path):
        raise AnnotationError(f'{what} {path} is a directory, not a JSON '
                              f'file; {hint}')
    if not os.path.exists(path):
        raise DatasetNotFoundError(f'{what} not found: {path}; {hint}')
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except json.JSONDecodeError as err:
        problem = (f'not valid JSON (line {err.lineno}, column {err.colno}: '
                   f'{err.msg})')
    except UnicodeDecodeError as err:
        problem = f'not UTF-8 text (byte {err.start}: {err.reason})'
    except RecursionError:
        problem = 'nested deeper than a JSON reader can follow'
    except OSError as err:
        problem = f'cannot be read ({err.strerror})'
    raise AnnotationError(f'{path}: {problem}; {hint}')
