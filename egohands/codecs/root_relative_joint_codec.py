"""``RootRelativeJointCodec``: wrist-relative joints in mm, z-scored.

The target space of HP-ViT (docs/hpvit.md) and POTTER (docs/potter.md):
each joint minus the wrist, in mm, normalised per joint and axis with
the mean and standard deviation of the training set. The wrist has std 0;
its target is 0 and it decodes to exactly 0 (no division by zero).

Where the statistics come from, in the order they win:

1. the checkpoint (``mean``, ``std``, ``has_stats`` are buffers), when a
   model is loaded or resumed;
2. ``stats_file`` at construction, if the file exists (written by
   ``tools/compute_target_stats.py CONFIG``);
3. otherwise ``TargetStatsHook`` computes them from the training
   annotations when training starts, logs it and writes
   ``<work_dir>/target_stats.json``.

A codec that has none refuses to decode with a ``MissingAssetError``.
"""
from typing import Dict, Optional

import torch

from egohands.codecs.base import BaseJointCodec
from egohands.datasets.metainfo import NUM_JOINTS, WRIST
from egohands.registry import MODELS
from egohands.utils.errors import MissingAssetError

_EPS = 1e-6


@MODELS.register_module()
class RootRelativeJointCodec(BaseJointCodec):
    """Wrist-relative, per-joint z-scored 3D joints.

    Args:
        num_joints: K, joints per hand.
        root_index: the joint subtracted (the wrist).
        stats_file: JSON file of ``egohands.codecs.target_stats``; loaded if
            it exists, otherwise statistics come from the checkpoint or the
            ``TargetStatsHook``.

    Buffers: ``mean`` (K, 3) mm, ``std`` (K, 3) mm, ``has_stats`` () bool.
    """

    needs_statistics = True

    def __init__(self,
                 num_joints: int = NUM_JOINTS,
                 root_index: int = WRIST,
                 stats_file: Optional[str] = None) -> None:
        super().__init__()
        self.num_joints = num_joints
        self.root_index = root_index
        self.register_buffer('mean', torch.zeros(num_joints, 3))
        self.register_buffer('std', torch.ones(num_joints, 3))
        self.init_statistics(stats_file, num_joints)

    def set_statistics(self, stats: Dict) -> None:
        """Install ``mean`` and ``std`` (K, 3) in mm."""
        mean = torch.as_tensor(stats['mean'], dtype=self.mean.dtype)
        std = torch.as_tensor(stats['std'], dtype=self.std.dtype)
        if mean.shape != self.mean.shape or std.shape != self.std.shape:
            raise ValueError(f'statistics of shape {tuple(mean.shape)} do not '
                             f'fit {self.num_joints} joints')
        self.mean.copy_(mean)
        self.std.copy_(std)
        self.has_stats.fill_(True)

    def _safe_std(self) -> torch.Tensor:
        return torch.where(self.std > _EPS, self.std, torch.ones_like(self.std))

    def _check_ready(self) -> None:
        if not self.has_statistics():
            where = (f' (stats_file={self.stats_file!r} was not found)'
                     if self.stats_file else '')
            raise MissingAssetError(
                'RootRelativeJointCodec has no target statistics' + where +
                '; compute them with python tools/compute_target_stats.py '
                'CONFIG, or load a checkpoint trained with this codec')

    def encode(self, joints_3d: torch.Tensor,
               joints_valid: torch.Tensor) -> Dict[str, torch.Tensor]:
        """(B, K, 3) mm + (B, K) -> z-scored targets (B, K, 3), weights.

        A joint's weight is its validity times the root's validity (a
        wrist-relative target needs both).
        """
        self._check_ready()
        root = self.root_index
        relative = joints_3d - joints_3d[:, root:root + 1]
        targets = (relative - self.mean) / self._safe_std()
        weights = joints_valid * joints_valid[:, root:root + 1]
        # a weight-0 target may be NaN / inf (an invalid joint holds
        # anything); 0 * inf would still poison the loss, so it becomes 0
        keep = (weights[..., None] > 0) | torch.isfinite(targets)
        targets = torch.where(keep, targets, torch.zeros_like(targets))
        return dict(targets=targets, target_weights=weights)

    def decode(self, outputs: torch.Tensor) -> torch.Tensor:
        """Z-scored (B, K, 3) -> wrist-relative joints (B, K, 3) in mm."""
        self._check_ready()
        return outputs * self.std + self.mean
