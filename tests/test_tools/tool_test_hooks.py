"""Hooks used by the tool tests, imported by training subprocesses through
``custom_imports`` (PYTHONPATH points here)."""
import os
import os.path as osp
import signal

from mmengine.dist import get_rank
from mmengine.hooks import Hook

from egohands.registry import HOOKS


@HOOKS.register_module(force=True)
class KillMidEpochHook(Hook):
    """SIGKILL the training process after the first iteration of ``epoch``
    (0-based), as a crash or a pre-empted job would. It runs last, so the
    iteration it kills after is logged."""

    priority = 'LOWEST'

    def __init__(self, epoch: int = 1) -> None:
        self.epoch = epoch

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if runner.epoch == self.epoch and batch_idx == 0:
            os.kill(os.getpid(), signal.SIGKILL)


@HOOKS.register_module(force=True)
class RankDoneHook(Hook):
    """Write ``<work_dir>/rank_<r>.done`` when the run ends on rank r."""

    def after_run(self, runner) -> None:
        with open(osp.join(runner.work_dir, f'rank_{get_rank()}.done'),
                  'w') as f:
            f.write(str(runner.iter))
