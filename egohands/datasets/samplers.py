"""``SourceRatioSampler``: draw each sample's dataset by a fixed ratio.

With :class:`~egohands.datasets.multi_source.MultiSourceHandDataset`, an
epoch of ``num_samples`` indices (default: the concatenated length) is drawn
as follows: each index's source ``k`` with probability ``ratios[k]``
(independent draws), then the next item of source ``k``'s own shuffled
order, which restarts with a new shuffle when exhausted. So a small dataset
is repeated and a large one sub-sampled, and the expected share of source
``k`` is ``ratios[k]`` whatever the sizes.

Distributed training: every rank draws the same global list from ``seed +
epoch`` (the seed is synchronised across ranks as mmengine's
``DefaultSampler`` does) and takes every ``world_size``-th index from
``rank``, padding the list to a multiple of ``world_size``; so the ranks see
disjoint parts of one epoch. mmengine's loops call :meth:`set_epoch`.
"""
from __future__ import annotations

import math
from typing import Iterator, Optional, Sequence

import numpy as np
import torch
from mmengine.dataset.sampler import sync_random_seed
from mmengine.dist import get_dist_info
from torch.utils.data import Sampler

from egohands.registry import DATA_SAMPLERS
from egohands.utils.errors import ConfigError


def draw_source_indices(sizes: Sequence[int], ratios: Sequence[float],
                        total: int, generator: torch.Generator
                        ) -> np.ndarray:
    """(total,) global indices of a concatenation drawn by source ratio.

    Args:
        sizes: samples per source (a source of size 0 must have ratio 0).
        ratios: (S,) non-negative weights.
        total: number of indices to draw.
        generator: torch generator (the draw depends only on it).
    """
    probs = torch.as_tensor(np.asarray(ratios, np.float64))
    sources = torch.multinomial(probs, total, replacement=True,
                                generator=generator).numpy()
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    indices = np.empty(total, np.int64)
    for source, size in enumerate(sizes):
        where = np.flatnonzero(sources == source)
        if where.size == 0:
            continue
        rounds = math.ceil(where.size / size)
        order = torch.cat([torch.randperm(size, generator=generator)
                           for _ in range(rounds)])[:where.size].numpy()
        indices[where] = offsets[source] + order
    return indices


@DATA_SAMPLERS.register_module()
class SourceRatioSampler(Sampler):
    """Indices of a multi-source dataset drawn by the sources' ratios.

    Args:
        dataset: a ``MultiSourceHandDataset`` (its ``ratios`` and
            ``source_sizes()``), or any dataset (one source).
        ratios: override the dataset's ratios (one weight per source).
        num_samples: indices per epoch over all ranks (default:
            ``len(dataset)``).
        seed: random seed (default: a seed shared by the ranks).
    """

    def __init__(self, dataset, ratios: Optional[Sequence[float]] = None,
                 num_samples: Optional[int] = None,
                 seed: Optional[int] = None) -> None:
        self.dataset = dataset
        if hasattr(dataset, 'source_sizes'):
            self.sizes = list(dataset.source_sizes())
            default = dataset.ratios
        else:
            self.sizes, default = [len(dataset)], [1.0]
        ratios = np.asarray(default if ratios is None else ratios,
                            np.float64)
        if ratios.shape != (len(self.sizes), ) or (ratios < 0).any() or \
                not ratios.sum() > 0:
            raise ConfigError(
                f'SourceRatioSampler: ratios must be {len(self.sizes)} '
                f'non-negative weights with a positive sum, got '
                f'{ratios.tolist()}')
        empty = [k for k, size in enumerate(self.sizes)
                 if size == 0 and ratios[k] > 0]
        if empty:
            raise ConfigError(f'SourceRatioSampler: sources {empty} have no '
                              'sample but a positive ratio; check their '
                              'data_root / filters or remove them')
        self.ratios = ratios / ratios.sum()
        self.total = int(num_samples or sum(self.sizes))
        if self.total <= 0:
            raise ConfigError('SourceRatioSampler: num_samples must be > 0')
        self.rank, self.world_size = get_dist_info()
        self.seed = sync_random_seed() if seed is None else int(seed)
        self.epoch = 0
        self.num_samples = math.ceil(self.total / self.world_size)

    def __iter__(self) -> Iterator[int]:
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        padded = self.num_samples * self.world_size
        indices = draw_source_indices(self.sizes, self.ratios, padded,
                                      generator)
        return iter(indices[self.rank::self.world_size].tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Draw a different list in each epoch (mmengine calls this)."""
        self.epoch = epoch
