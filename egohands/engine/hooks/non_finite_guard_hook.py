"""``NonFiniteGuardHook``: stop a run whose loss becomes NaN or infinite.

A diverged run (too high a learning rate, a corrupt label) otherwise logs
NaN losses for hours and saves checkpoints full of NaN weights. This hook
checks the logged losses after every training iteration and raises
:class:`~egohands.utils.errors.TrainingDivergedError` naming the iteration,
the epoch and the batch's sample ids. It runs before ``CheckpointHook``
(priority ``ABOVE_NORMAL`` vs ``VERY_LOW``), so the diverged state is never
saved, and it refuses any checkpoint whose weights are not finite (a finite
last loss can still take a step to NaN weights). The last finite checkpoint
of the work dir stays what ``--resume`` finds.
"""
from __future__ import annotations

import math
import os.path as osp
from typing import Dict, List, Optional

import torch
from mmengine.hooks import Hook

from egohands.registry import HOOKS
from egohands.utils.errors import TrainingDivergedError

#: metainfo keys that identify a sample, tried in order
_ID_KEYS = ('ann_id', 'img_id', 'img_path', 'sample_idx')


def _sample_ids(data_batch, limit: int = 8) -> str:
    """The first ``limit`` sample ids of a batch, as text."""
    samples = data_batch.get('data_samples') if isinstance(
        data_batch, dict) else None
    ids: List[str] = []
    for sample in samples or []:
        meta = sample.metainfo if hasattr(sample, 'metainfo') else {}
        key = next((k for k in _ID_KEYS if k in meta), None)
        ids.append(f'{key} {meta[key]}' if key else '?')
    more = f' and {len(ids) - limit} more' if len(ids) > limit else ''
    return (', '.join(ids[:limit]) + more) if ids else 'unknown'


def _non_finite_losses(outputs: Optional[Dict]) -> Dict[str, float]:
    """Logged values (``loss*`` keys) that are NaN or infinite."""
    bad = {}
    for key, value in (outputs or {}).items():
        if 'loss' not in key:
            continue
        number = float(value.detach().float().mean()) if isinstance(
            value, torch.Tensor) else float(value)
        if not math.isfinite(number):
            bad[key] = number
    return bad


def _last_checkpoint(work_dir: str) -> str:
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer) as f:
            return f.read().strip() or 'none'
    return 'none'


@HOOKS.register_module()
class NonFiniteGuardHook(Hook):
    """Stop training at the first non-finite loss; never save NaN weights."""

    priority = 'ABOVE_NORMAL'

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs: Optional[Dict] = None) -> None:
        bad = _non_finite_losses(outputs)
        if not bad:
            return
        losses = ', '.join(f'{k} = {v}' for k, v in bad.items())
        raise TrainingDivergedError(
            f'training stopped at iteration {runner.iter + 1} (epoch '
            f'{runner.epoch + 1}, batch {batch_idx}): {losses}; samples of '
            f'the batch: {_sample_ids(data_batch)}; the last finite '
            f'checkpoint is kept ({_last_checkpoint(runner.work_dir)}); '
            'lower the learning rate or check those samples')

    def before_save_checkpoint(self, runner, checkpoint: Dict) -> None:
        for name, value in checkpoint.get('state_dict', {}).items():
            if isinstance(value, torch.Tensor) and value.is_floating_point() \
                    and not torch.isfinite(value).all():
                raise TrainingDivergedError(
                    f'training stopped at iteration {runner.iter} (epoch '
                    f'{runner.epoch}): weight {name} is not finite, so no '
                    'checkpoint was saved; the last finite checkpoint is '
                    f'kept ({_last_checkpoint(runner.work_dir)}); lower the '
                    'learning rate')
