"""``MultiSourceHandDataset``: several datasets in one run, each with its
sampling ratio and the labels it may supervise.

WildHands trains on a mix (ARCTIC, AssemblyHands, EPIC grasp and masks,
Ego4D ...) where each dataset supervises only some loss terms: the
reference gates every term per sample with ``is_{j3d,j2d,pose,grasp,mask}
_loss`` flags. Here each source declares a ``supervision`` dict::

    supervision=dict(joints_3d=True, keypoints_2d=True, mano=False,
                     mask=False, grasp=False)

and the switched-off labels of its samples are made invalid after the
pipeline, in the fields every egohands loss already honours:
``gt_joints_valid`` and ``gt_keypoints_2d_valid`` become zeros,
``gt_mano_valid`` 0, ``gt_grasp`` -1, and the mask absent (``gt_mask``
zeros with ``gt_mask_valid`` 0, as ``LoadImage`` gives a sample without a
mask). A source without ``supervision`` uses its dataset class's
``SUPERVISION`` (EPIC-HandKps: 2D only) or supervises everything it has.

The ratios are read by :class:`~egohands.datasets.samplers.
SourceRatioSampler`, which draws each index's source with probability
``ratio / sum(ratios)``.
"""
from __future__ import annotations

import copy
from typing import Any, Dict, List, Mapping, Optional, Sequence

import numpy as np
import torch
from mmengine.dataset import BaseDataset, ConcatDataset
from mmengine.structures import BaseDataElement

from egohands.registry import DATASETS
from egohands.utils.errors import ConfigError

#: the labels a source may supervise, all on by default
SUPERVISION_KEYS = ('joints_3d', 'keypoints_2d', 'mano', 'mask', 'grasp')


def full_supervision() -> Dict[str, bool]:
    return {key: True for key in SUPERVISION_KEYS}


def check_supervision(supervision: Optional[Mapping], where: str
                      ) -> Dict[str, bool]:
    """``supervision`` with every key present (missing keys: True)."""
    result = full_supervision()
    if supervision is None:
        return result
    if not isinstance(supervision, Mapping):
        raise ConfigError(f'{where}: supervision must be a dict of '
                          f'{list(SUPERVISION_KEYS)} -> bool, got '
                          f'{supervision!r}')
    unknown = set(supervision) - set(SUPERVISION_KEYS)
    if unknown:
        raise ConfigError(f'{where}: supervision has unknown keys '
                          f'{sorted(unknown)}; the keys are '
                          f'{list(SUPERVISION_KEYS)}')
    result.update({key: bool(value) for key, value in supervision.items()})
    return result


def default_supervision(dataset: Any) -> Optional[Mapping]:
    """The ``SUPERVISION`` of a dataset's class, or of the per-hand
    dataset a wrapper builds from its ``hands`` config (``TwoHand
    ImageDataset``); None (everything) when neither declares one."""
    declared = getattr(dataset, 'SUPERVISION', None)
    hands_cfg = getattr(dataset, 'hands_cfg', None)
    if declared is None and isinstance(hands_cfg, Mapping):
        hand_type = hands_cfg.get('type')
        if isinstance(hand_type, str):
            hand_type = DATASETS.get(hand_type)
        declared = getattr(hand_type, 'SUPERVISION', None)
    return declared


def _zero(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return torch.zeros_like(value)
    if isinstance(value, np.ndarray):
        return np.zeros_like(value)
    return type(value)(0) if isinstance(value, (int, float)) else 0.0


def _minus_one(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return torch.full_like(value, -1)
    return -1


#: supervision key -> (field to zero, field to set to -1) by sample form
_PACKED = {'joints_3d': ('gt_joints_valid', ), 'keypoints_2d':
           ('gt_keypoints_2d_valid', ), 'mano': ('gt_mano_valid', ),
           'mask': ('gt_mask', 'gt_mask_valid')}
_RAW = {'joints_3d': ('joints_valid', ), 'keypoints_2d':
        ('keypoints_2d_valid', ), 'mano': ('mano_valid', ),
        'mask': ('mask', 'mask_valid')}


def _gate_fields(get, set_, has, supervision: Mapping[str, bool],
                 zero_fields: Mapping[str, Sequence[str]],
                 grasp_field: str) -> None:
    for key, fields in zero_fields.items():
        if supervision[key]:
            continue
        for field in fields:
            if has(field):
                set_(field, _zero(get(field)))
    if not supervision['grasp'] and has(grasp_field):
        set_(grasp_field, _minus_one(get(grasp_field)))


def _gate_packed(sample: Any, supervision: Mapping[str, bool]) -> None:
    _gate_fields(lambda f: getattr(sample, f),
                 lambda f, v: setattr(sample, f, v),
                 lambda f: f in sample, supervision, _PACKED, 'gt_grasp')


def _gate_raw(record: Dict, supervision: Mapping[str, bool]) -> None:
    _gate_fields(record.__getitem__, record.__setitem__,
                 record.__contains__, supervision, _RAW, 'grasp')
    if not supervision['mask'] and 'segmentation' in record:
        record['segmentation'] = None


def gate_supervision(output: Any, supervision: Mapping[str, bool]) -> Any:
    """Invalidate the labels ``supervision`` switches off, in place.

    Args:
        output: what a dataset returns: a packed ``{'inputs',
            'data_samples'}`` (a ``HandDataSample``, a list of them, or a
            two-hand sample holding one per side as ``right`` / ``left``),
            or the raw per-hand dict (``joints_valid``, ``segmentation``,
            ...) or per-image dict with ``hands = {side: per-hand dict}``.
        supervision: the full dict of :data:`SUPERVISION_KEYS`.
    """
    if all(supervision.values()) or not isinstance(output, dict):
        return output
    if 'data_samples' in output:
        samples = output['data_samples']
        for sample in samples if isinstance(samples, (list, tuple)) else [
                samples]:
            sides = [sample.get(side) for side in ('right', 'left')]
            sides = [s for s in sides if isinstance(s, BaseDataElement)]
            for hand in sides or [sample]:
                _gate_packed(hand, supervision)
    elif isinstance(output.get('hands'), dict):
        for hand in output['hands'].values():
            _gate_raw(hand, supervision)
    else:
        _gate_raw(output, supervision)
    return output


@DATASETS.register_module()
class MultiSourceHandDataset(ConcatDataset):
    """Hand datasets concatenated, each with a ratio and a supervision.

    Args:
        sources: one dict per dataset: ``dataset`` (config or instance),
            ``ratio`` (> 0, relative sampling weight, default 1),
            ``supervision`` (see module docstring; default: the dataset
            class's ``SUPERVISION``, else everything).
        lazy_init: defer the sub-datasets' loading to ``full_init()``.

    Attributes:
        ratios: (S,) float64 sampling probabilities (sum 1).
        supervisions: S full supervision dicts.
        source_names: S names (the datasets' ``dataset_name`` or class).
    """

    def __init__(self, sources: Sequence[Mapping],
                 lazy_init: bool = False) -> None:
        if not sources:
            raise ConfigError('MultiSourceHandDataset: sources is empty; '
                              'give at least one dict(dataset=..., ratio=...)')
        datasets: List[BaseDataset] = []
        ratios, self.supervisions, self.source_names = [], [], []
        for index, source in enumerate(sources):
            where = f'MultiSourceHandDataset: sources[{index}]'
            if not isinstance(source, Mapping) or 'dataset' not in source:
                raise ConfigError(f"{where} must be a dict with 'dataset' "
                                  "(and optional 'ratio', 'supervision')")
            unknown = set(source) - {'dataset', 'ratio', 'supervision'}
            if unknown:
                raise ConfigError(f'{where} has unknown keys '
                                  f'{sorted(unknown)}')
            ratio = float(source.get('ratio', 1.0))
            if not ratio > 0:
                raise ConfigError(f'{where}: ratio must be > 0, got {ratio}')
            check_supervision(source.get('supervision'), where)
            dataset = source['dataset']
            if isinstance(dataset, Mapping):
                dataset = DATASETS.build(copy.deepcopy(dict(dataset)))
            supervision = source.get('supervision',
                                     default_supervision(dataset))
            datasets.append(dataset)
            ratios.append(ratio)
            self.supervisions.append(check_supervision(supervision, where))
            self.source_names.append(
                getattr(dataset, 'dataset_name', None)
                or getattr(dataset, 'DEFAULT_NAME', type(dataset).__name__))
        self.ratios = np.asarray(ratios, np.float64) / sum(ratios)
        super().__init__(datasets, lazy_init=lazy_init)

    def source_sizes(self) -> List[int]:
        """Number of samples of each source."""
        self.full_init()
        return [len(d) for d in self.datasets]

    def source_of(self, index: int) -> int:
        """The source that global ``index`` belongs to."""
        return self._get_ori_dataset_idx(index)[0]

    def __getitem__(self, index: int) -> Any:
        source, local = self._get_ori_dataset_idx(index)
        return gate_supervision(self.datasets[source][local],
                                self.supervisions[source])

    def get_data_info(self, index: int) -> dict:
        """The gated record of ``index`` (before the pipeline)."""
        source, local = self._get_ori_dataset_idx(index)
        return gate_supervision(self.datasets[source].get_data_info(local),
                                self.supervisions[source])

