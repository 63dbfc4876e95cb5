"""``BaseJointCodec``: the target space of a model, as a small ``nn.Module``.

A codec turns ground-truth joints into the tensors a head is trained on
(``encode``) and raw head outputs back into joints in mm (``decode``). Any
statistics it needs are buffers, so they travel with every checkpoint.
Codecs are registered in ``MODELS`` and built by the head that uses them.
"""
from abc import ABCMeta, abstractmethod
from typing import Dict, Optional

import torch
from torch import nn

from egohands.codecs.target_stats import load_stats
from egohands.utils.errors import MissingAssetError


class BaseJointCodec(nn.Module, metaclass=ABCMeta):
    """Encode 3D joints into training targets and decode outputs back.

    Subclasses that need dataset statistics set ``needs_statistics = True``
    and implement :meth:`has_statistics` and :meth:`set_statistics`; the
    ``TargetStatsHook`` and ``tools/compute_target_stats.py`` provide them.
    """

    #: True if the codec cannot decode before statistics are set
    needs_statistics: bool = False

    @abstractmethod
    def encode(self, joints_3d: torch.Tensor,
               joints_valid: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Ground truth -> targets.

        Args:
            joints_3d: (B, K, 3) joints, mm, camera frame of the input.
            joints_valid: (B, K) validity in {0, 1}.

        Returns:
            dict with ``targets`` (B, K, D) and ``target_weights`` (B, K).
        """

    @abstractmethod
    def decode(self, outputs: torch.Tensor) -> torch.Tensor:
        """Raw outputs (B, K, D) -> joints (B, K, 3) in mm, input camera."""

    def init_statistics(self, stats_file: Optional[str],
                        num_joints: int) -> None:
        """Register the ``has_stats`` buffer and load ``stats_file`` when it
        exists; otherwise the checkpoint or the ``TargetStatsHook`` provides
        the statistics later. Call after registering the statistics'
        own buffers."""
        self.stats_file = stats_file
        self.register_buffer('has_stats', torch.tensor(False))
        if stats_file is not None:
            try:
                self.set_statistics(load_stats(stats_file, num_joints))
            except MissingAssetError:
                pass

    def has_statistics(self) -> bool:
        """Whether the codec is ready to decode."""
        has_stats = getattr(self, 'has_stats', None)
        return True if has_stats is None else bool(has_stats)

    def set_statistics(self, stats: Dict) -> None:
        """Install statistics (a dict as written by ``target_stats``)."""
        raise TypeError(f'{type(self).__name__} takes no statistics')
