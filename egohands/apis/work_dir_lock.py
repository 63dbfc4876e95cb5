"""One training run per work dir: a lock file holding the owner's pid/host.

Two runs writing into one work dir interleave their checkpoints and
``last_checkpoint`` names whichever wrote last. ``tools/train.py`` takes
``<work_dir>/.egohands_run.lock`` (created atomically, JSON
``{"pid", "host", "started"}``) before the Runner is built and removes it
when the process ends. A second run is refused with one ``error:`` line
unless it passes ``--share-work-dir``. A lock left by a dead process of this
host (a killed run) is taken over, saying so; a lock of another host cannot
be checked and is honoured.
"""
from __future__ import annotations

import atexit
import json
import os
import os.path as osp
import socket
import time
from typing import Callable, Optional

from egohands.apis.output_paths import check_output_dir
from egohands.utils.errors import WorkDirBusyError

LOCK_NAME = '.egohands_run.lock'


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _read_owner(path: str) -> Optional[dict]:
    """The lock's content, or None when it is unreadable (half-written)."""
    try:
        with open(path) as f:
            owner = json.load(f)
        return owner if isinstance(owner, dict) else None
    except (OSError, ValueError):
        return None


def acquire_work_dir_lock(work_dir: str, share: bool = False,
                          log: Callable[[str], None] = print
                          ) -> Callable[[], None]:
    """Take the work dir's lock; return the function that releases it.

    Args:
        work_dir: the run's work dir (created if missing).
        share: write into a busy work dir anyway (no lock is taken).
        log: where the take-over of a stale lock is reported.

    Raises:
        WorkDirBusyError: a live process holds the lock.
        ConfigError: the work dir is a file or cannot be created.
    """
    check_output_dir(work_dir, '--work-dir')
    if share:
        return lambda: None
    path = osp.join(work_dir, LOCK_NAME)
    me = dict(pid=os.getpid(), host=socket.gethostname(),
              started=time.strftime('%Y-%m-%d %H:%M:%S'))
    for _ in range(5):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            owner = _read_owner(path)
            if owner is not None and not _stale(owner):
                raise WorkDirBusyError(
                    f'work dir {work_dir} is in use by pid {owner.get("pid")}'
                    f' on {owner.get("host")} (since {owner.get("started")}'
                    f', lock {path}); wait for that run, give another '
                    '--work-dir, or pass --share-work-dir to write there '
                    'anyway') from None
            if owner is None and _younger_than(path, 2.0):
                time.sleep(0.5)  # its owner may be writing it right now
                continue
            reason = 'unreadable' if owner is None else \
                f'pid {owner.get("pid")} is gone'
            log(f'taking over the stale lock {path} ({reason})')
            try:
                os.remove(path)
            except FileNotFoundError:
                pass
            continue
        with os.fdopen(fd, 'w') as f:
            json.dump(me, f)
        break
    else:
        raise WorkDirBusyError(f'work dir {work_dir}: could not take the '
                               f'lock {path}; another run keeps taking it')

    def release() -> None:
        owner = _read_owner(path)
        if owner is not None and owner.get('pid') == me['pid'] and \
                owner.get('host') == me['host']:
            try:
                os.remove(path)
            except FileNotFoundError:
                pass

    atexit.register(release)
    return release


def _stale(owner: dict) -> bool:
    """True if the lock's process is known to be gone (same host only)."""
    if owner.get('host') != socket.gethostname():
        return False
    pid = owner.get('pid')
    return not isinstance(pid, int) or not _process_alive(pid)


def _younger_than(path: str, seconds: float) -> bool:
    try:
        return time.time() - os.path.getmtime(path) < seconds
    except OSError:
        return False
