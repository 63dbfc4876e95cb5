"""Which checkpoint ``--resume auto`` resumes from.

mmengine reads ``<work_dir>/last_checkpoint`` and resumes from the path in
it, whatever it is. :func:`latest_intact_checkpoint` instead:

* treats an empty (or missing) ``last_checkpoint`` as "none named";
* resolves the named path against the work dir: a relative path is under
  it, and an absolute path outside it (a work dir copied elsewhere) is
  replaced by the file of the same name in this work dir, so a copy
  resumes from its own files;
* tries the named checkpoint, then the other ``epoch_N.pth`` /
  ``iter_N.pth`` of the work dir from the highest N down, and skips every
  file that does not load (truncated by a kill, text), saying so in one
  line each.
"""
import os
import os.path as osp
import re
from typing import Callable, List, Optional

from mmengine.logging import print_log

from egohands.utils.errors import EgohandsError

_CHECKPOINT_NAME = re.compile(r'^(?:epoch|iter)_(\d+)\.pth$')


def named_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``last_checkpoint`` names, resolved in ``work_dir``
    (module docstring), or None."""
    record = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(record):
        return None
    with open(record, errors='replace') as f:
        named = f.read().strip()
    if not named:
        print_log(f'{record} is empty; looking for the checkpoints of '
                  f'{work_dir}', logger='current')
        return None
    if not osp.isabs(named):
        return osp.join(work_dir, named)
    inside = osp.commonpath([osp.realpath(named), osp.realpath(work_dir)])
    if inside == osp.realpath(work_dir):
        return named
    local = osp.join(work_dir, osp.basename(named))
    print_log(f'{record} names {named}, outside this work dir; using '
              f'{local}', logger='current')
    return local


def numbered_checkpoints(work_dir: str) -> List[str]:
    """``epoch_N.pth`` / ``iter_N.pth`` of ``work_dir``, highest N first."""
    found = []
    for name in os.listdir(work_dir):
        match = _CHECKPOINT_NAME.match(name)
        if match:
            found.append((int(match.group(1)), osp.join(work_dir, name)))
    return [path for _, path in sorted(found, reverse=True)]


def checkpoint_loads(path: str) -> Optional[str]:
    """None if ``path`` loads as a checkpoint, else why not (one line).

    Zip-format files are memory-mapped, so no tensor is read."""
    import torch

    from egohands.utils.checkpoint import read_torch_checkpoint
    try:
        torch.load(path, map_location='cpu', weights_only=True, mmap=True)
        return None
    except Exception:  # legacy format, or broken: read it fully
        pass
    try:
        read_torch_checkpoint(path)
    except EgohandsError as err:
        return str(err)
    return None


def _log(message: str) -> None:
    print_log(message, logger='current')


def latest_intact_checkpoint(work_dir: str,
                             loads: Callable[[str], Optional[str]]
                             = checkpoint_loads,
                             log: Callable[[str], None] = _log
                             ) -> Optional[str]:
    """The checkpoint to resume from, or None (module docstring); ``log``
    gets one line per skipped file."""
    if not osp.isdir(work_dir):
        return None
    candidates = [named_checkpoint(work_dir)] + numbered_checkpoints(
        work_dir)
    tried = set()
    for path in candidates:
        if path is None or osp.realpath(path) in tried:
            continue
        tried.add(osp.realpath(path))
        if not osp.isfile(path):
            log(f'resume: skipping {path}: no such file')
            continue
        problem = loads(path)
        if problem is None:
            return path
        log(f'resume: skipping {path}, which does not load: {problem}')
    return None
