"""``BaseHandDataset``: what every egohands hand dataset shares.

A hand dataset yields one sample per hand, as the per-hand dict of
``docs/architecture.md`` section 3.1. This base class owns what does not
depend on the file format:

* path resolution (``data_root`` + ``ann_file`` / ``data_prefix['img']``) and
  :class:`~egohands.utils.errors.DatasetNotFoundError` with a hint on how to
  get or create the data;
* the canonical hand metainfo (``egohands.datasets.metainfo``);
* filtering by hand side and number of valid joints;
* building the pipeline from egohands' ``TRANSFORMS`` registry, so a
  dataset works with or without mmengine's ``default_scope``;
* :meth:`empty_hand_info`, the per-hand dict with every key present and
  "missing" values as zeros with a zero validity flag.

Subclasses implement :meth:`load_hand_infos`, which reads the annotation
file and returns the per-hand dicts. ``lazy_init=True`` defers all file
access (and its errors) to ``full_init()``.
"""
from __future__ import annotations

import copy
import os
from typing import Callable, Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset

from egohands.datasets.metainfo import HAND_SIDES, NUM_JOINTS, hand_metainfo
from egohands.utils.errors import ConfigError, DatasetNotFoundError


class BaseHandDataset(BaseDataset):
    """Shared logic of the egohands hand datasets.

    Args:
        ann_file: annotation file, relative to ``data_root`` unless absolute.
        data_root: dataset folder.
        data_prefix: ``dict(img=...)``, image folder relative to
            ``data_root``; image ``file_name`` values are relative to it.
        pipeline: transforms (configs or callables).
        hand_sides: keep only these sides (``'left'``, ``'right'``).
        min_valid_joints: keep hands with at least this many valid 3D joints.
        dataset_name: name stored in every sample (``None``: the subclass
            decides, e.g. from the file).
        data_hint: how to get or create the data, appended to
            :class:`DatasetNotFoundError` (default: :attr:`DATA_HINT`).
        test_mode, lazy_init, indices, serialize_data, max_refetch,
        metainfo: as in :class:`mmengine.dataset.BaseDataset`.
    """

    METAINFO: dict = hand_metainfo()
    #: default hint appended to "not found" errors; subclasses override.
    DATA_HINT: str = ('see docs/data_format.md for the expected layout')
    #: default ``dataset_name`` when neither the config nor the file has one.
    DEFAULT_NAME: str = 'hands'

    def __init__(self,
                 ann_file: str = '',
                 data_root: str = '',
                 data_prefix: Optional[dict] = None,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 hand_sides: Sequence[str] = HAND_SIDES,
                 min_valid_joints: int = 0,
                 dataset_name: Optional[str] = None,
                 data_hint: Optional[str] = None,
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 indices: Optional[Union[int, Sequence[int]]] = None,
                 serialize_data: bool = True,
                 max_refetch: int = 1000,
                 metainfo: Optional[dict] = None) -> None:
        if isinstance(hand_sides, str):
            hand_sides = (hand_sides, )
        unknown = set(hand_sides) - set(HAND_SIDES)
        if unknown or not hand_sides:
            raise ConfigError(f'{type(self).__name__}: hand_sides must be a '
                              f'non-empty subset of {HAND_SIDES}, got '
                              f'{list(hand_sides)}')
        if int(min_valid_joints) < 0 or int(min_valid_joints) > NUM_JOINTS:
            raise ConfigError(f'{type(self).__name__}: min_valid_joints must '
                              f'be in [0, {NUM_JOINTS}], got '
                              f'{min_valid_joints}')
        self.hand_sides = tuple(hand_sides)
        self.min_valid_joints = int(min_valid_joints)
        self.dataset_name = dataset_name
        self.data_hint = data_hint or self.DATA_HINT
        super().__init__(
            ann_file=ann_file, metainfo=metainfo, data_root=data_root,
            data_prefix=dict(img='') if data_prefix is None else dict(
                data_prefix), pipeline=self._build_transforms(pipeline),
            test_mode=test_mode, lazy_init=lazy_init, indices=indices,
            serialize_data=serialize_data, max_refetch=max_refetch)

    # -- pipeline -------------------------------------------------------
    @staticmethod
    def _build_transforms(
            pipeline: Sequence[Union[dict, Callable]]) -> List[Callable]:
        from egohands.registry import TRANSFORMS
        built = []
        for transform in pipeline:
            if isinstance(transform, dict):
                transform = TRANSFORMS.build(copy.deepcopy(transform))
            built.append(transform)
        return built

    # -- paths and errors ----------------------------------------------
    @property
    def img_root(self) -> str:
        return self.data_prefix.get('img', self.data_root or '')

    def not_found(self, path: str, what: str) -> DatasetNotFoundError:
        """The error for a missing ``path``; ``what`` names the thing."""
        return DatasetNotFoundError(
            f'{type(self).__name__}: {what} not found: {path}; '
            f'{self.data_hint}')

    def check_exists(self, path: str, what: str) -> None:
        """Raise :meth:`not_found` unless ``path`` exists."""
        if not path or not os.path.exists(path):
            raise self.not_found(path, what)

    # -- loading --------------------------------------------------------
    def load_data_list(self) -> List[dict]:
        if self.data_root:
            self.check_exists(self.data_root, 'data root')
        self.check_exists(self.ann_file, 'annotation file')
        hands = self.load_hand_infos(self.ann_file)
        for hand in hands:
            hand['dataset_name'] = hand.get('dataset_name') or (
                self.dataset_name or self.DEFAULT_NAME)
        return hands

    def load_hand_infos(self, ann_file: str) -> List[dict]:
        """Read ``ann_file`` into a list of per-hand dicts (architecture 3.1).

        Subclasses implement it; every dict should start from
        :meth:`empty_hand_info`.
        """
        raise TypeError(f'{type(self).__name__} does not define '
                        'load_hand_infos(ann_file), which every hand dataset '
                        'needs to read its annotation file')

    def filter_data(self) -> List[dict]:
        """Keep hands of the wanted sides with enough valid 3D joints."""
        return [
            hand for hand in self.data_list
            if hand['hand_side'] in self.hand_sides
            and hand['joints_valid'].sum() >= self.min_valid_joints
        ]

    @staticmethod
    def empty_hand_info() -> Dict:
        """A per-hand dict with every key of architecture 3.1 and no data.

        Arrays are float32 zeros, validity flags are zero, optional metadata
        is None and ``grasp`` is -1.
        """
        zeros = lambda *shape: np.zeros(shape, np.float32)  # noqa: E731
        return dict(
            img_path='', img_id=-1, ann_id=-1, img_shape=(0, 0),
            K=np.eye(3, dtype=np.float32), bbox=zeros(4),
            keypoints_2d=zeros(NUM_JOINTS, 2),
            keypoints_2d_valid=zeros(NUM_JOINTS),
            joints_3d=zeros(NUM_JOINTS, 3), joints_valid=zeros(NUM_JOINTS),
            hand_side='right', mano_pose=zeros(48), mano_betas=zeros(10),
            mano_transl=zeros(3), mano_valid=0.0, grasp=-1,
            segmentation=None, sequence=None, frame=None, view=None,
            T_world_from_cam=None, dataset_name='')
