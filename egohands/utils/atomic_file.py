"""Writing a file so that it is either complete or absent.

A process killed while writing leaves a truncated file under the final
name; :func:`atomic_write` writes to a temporary name in the same folder
and renames it into place only once everything is written and synced
(a rename within a file system is atomic).
"""
import contextlib
import os
import os.path as osp
import tempfile
from typing import IO, Iterator


@contextlib.contextmanager
def atomic_write(path: str) -> Iterator[IO[bytes]]:
    """A binary file to write; renamed to ``path`` when the block ends
    without an error, removed otherwise."""
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(
        dir=directory, prefix=f'.{osp.basename(path)}.', suffix='.part',
        delete=False)
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    finally:
        if osp.exists(handle.name):
            os.remove(handle.name)
