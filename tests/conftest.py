"""Fixtures shared by the whole test suite."""
import os
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest
import torch

# The machines have 2 cores shared by pytest workers and subprocesses: with
# more than one intra-op thread, small tensors spend most of their time in
# thread contention (measured: 10x slower on a loaded machine).
torch.set_num_threads(1)

REPO_ROOT = Path(__file__).resolve().parents[1]
TINY_CONFIG = REPO_ROOT / 'configs' / 'tiny' / \
    'tiny_simplecnn_1xb8-4e_toy-64x64.py'


@pytest.fixture(autouse=True)
def _drop_closed_log_streams():
    """After each test, drop log handlers whose stream pytest has closed.

    Tools run in this process create mmengine loggers whose handlers keep
    the ``sys.stderr`` of the test that created them; a later test's log
    call would then print a '--- Logging error ---' traceback."""
    yield
    import logging

    from mmengine.logging import MMLogger
    loggers = [logging.getLogger(), *MMLogger._instance_dict.values()]
    loggers += [logger for logger in logging.Logger.manager.loggerDict.values()
                if isinstance(logger, logging.Logger)]
    for logger in loggers:
        for handler in list(logger.handlers):
            if getattr(getattr(handler, 'stream', None), 'closed', False):
                logger.removeHandler(handler)


@pytest.fixture(scope='session')
def repo_root() -> Path:
    """The root of the egohands checkout."""
    return REPO_ROOT


@pytest.fixture(scope='session')
def tiny_config() -> Path:
    """Path of the tiny estimator's config."""
    return TINY_CONFIG


@pytest.fixture(scope='session')
def toy_data_root(tmp_path_factory) -> str:
    """A toy dataset (train/val/test, 64 px images) made once per session;
    pass it to a config with ``--cfg-options data_root=...``."""
    from egohands.testing import make_toy_hand_dataset
    root = tmp_path_factory.mktemp('toy_hands')
    make_toy_hand_dataset(root, num_images=8, size=64, seed=0)
    return str(root) + os.sep


def _run_python(args: List, cwd: Path = REPO_ROOT, timeout: float = 300,
                env_extra=None) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    env.pop('EGOHANDS_DEBUG', None)
    env.update(env_extra or {})
    return subprocess.run([sys.executable] + [str(a) for a in args],
                          cwd=str(cwd), env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope='session')
def run_python():
    """``run_python(args, cwd=repo, timeout=300, env_extra=None)`` runs
    ``python ARGS`` with the test interpreter (one thread, no
    EGOHANDS_DEBUG) and returns the completed process with its output."""
    return _run_python


class RecordsOnlyDataset:
    """A stand-in dataset: per-hand records with 3D joints, no images."""

    ann_file = 'records.json'

    def __init__(self, joints, valid):
        self.joints, self.valid = joints, valid

    def __len__(self):
        return len(self.joints)

    def get_data_info(self, index):
        return dict(joints_3d=self.joints[index],
                    joints_valid=self.valid[index])


@pytest.fixture(scope='session')
def records_dataset():
    """``records_dataset(joints (N, K, 3), valid (N, K))``: a dataset-like
    object whose ``get_data_info`` returns only the 3D ground truth."""
    return RecordsOnlyDataset
