"""``FreiHANDDataset``: FreiHAND (Zimmermann et al., ICCV 2019), right hands.

Reads the official release ``FreiHAND_pub_v2`` (lmb-freiburg/freihand
``utils/fh_utils.py``; ``shared/reference/datasets.md`` section 6)::

    {data_root}/{split}_K.json      N x (3 x 3) px
    {data_root}/{split}_xyz.json    N x (21 x 3) metres, camera frame
    {data_root}/{split}_mano.json   N x [[61]]: pose 48 | betas 10 |
                                    uv_root 2 | scale 1
    {data_root}/{split}_verts.json  N x (778 x 3) metres (``with_vertices``)
    {data_root}/{split}/rgb/%08d.jpg   224 x 224; training: id + N * version

``split`` is ``'training'`` (N = 32560, four renderings per annotation:
versions ``gs``, ``hom``, ``sample``, ``auto``) or ``'evaluation'`` (N = 3960,
``gs`` only). The joint order is the canonical one (wrist, thumb1-4, index1-4,
..., pinky1-4); 3D becomes mm, 2D is the projection with K. MANO pose is
stored relative to the mean hand and converted to egohands' flat-hand pose
when ``mano_model_path`` is given (:class:`FlatHandPose`).

``ann_format='mmpose_coco'`` instead reads mmpose's COCO-style 2D
conversion of FreiHAND (``ann_file``; 21 named keypoints, 224 x 224).
"""
from __future__ import annotations

import os
from typing import List, Optional, Sequence

import numpy as np

from egohands.datasets.base_dataset import BaseHandDataset
from egohands.datasets.official_records import (FlatHandPose, check_shape,
                                                fill_hand, project_points)
from egohands.datasets.record_checks import RecordChecker
from egohands.registry import DATASETS
from egohands.utils.errors import (AnnotationError, ConfigError,
                                   check_choice)
from egohands.utils.json_files import read_json_file

SPLITS = ('training', 'evaluation')
VERSIONS = ('gs', 'hom', 'sample', 'auto')
IMAGE_SIZE = (224, 224)
FORMATS = ('official', 'mmpose_coco')
FREIHAND_URL = ('https://lmb.informatik.uni-freiburg.de/resources/datasets/'
                'FreihandDataset.en.html (FreiHAND_pub_v2.zip)')


@DATASETS.register_module()
class FreiHANDDataset(BaseHandDataset):
    """FreiHAND right hands, one sample per image.

    Args:
        data_root: the ``FreiHAND_pub_v2`` folder.
        split: ``'training'`` or ``'evaluation'``.
        versions: renderings of each training annotation to list.
        mano_model_path: MANO folder to convert MANO poses (else no MANO).
        with_vertices: also read ``{split}_verts.json`` into ``vertices``
            (778, 3) mm (a large file).
        ann_format: ``'official'`` or ``'mmpose_coco'`` (then ``ann_file``
            is the COCO JSON and images are ``data_prefix['img']/file``).
        **kwargs: see :class:`BaseHandDataset`.
    """

    DATA_HINT = f'get FreiHAND from {FREIHAND_URL}'
    DEFAULT_NAME = 'freihand'

    def __init__(self, data_root: str = 'data/freihand',
                 split: str = 'training',
                 versions: Sequence[str] = ('gs', ),
                 mano_model_path: Optional[str] = None,
                 with_vertices: bool = False,
                 ann_format: str = 'official', ann_file: str = '',
                 **kwargs) -> None:
        check_choice('FreiHANDDataset', 'split', split, SPLITS)
        check_choice('FreiHANDDataset', 'ann_format', ann_format, FORMATS)
        versions = [versions] if isinstance(versions, str) else list(
            versions)
        allowed = VERSIONS if split == 'training' else VERSIONS[:1]
        if not versions or set(versions) - set(allowed):
            raise ConfigError(f'FreiHANDDataset: versions of the {split} '
                              f'split must be among {list(allowed)}, got '
                              f'{versions}')
        self.split, self.versions = split, versions
        self.ann_format = ann_format
        self.flat_pose = FlatHandPose(mano_model_path)
        self.with_vertices = with_vertices
        if ann_format == 'official':
            ann_file = ann_file or f'{split}_K.json'
        elif not ann_file:
            raise ConfigError("FreiHANDDataset: ann_format='mmpose_coco' "
                              'needs ann_file (the COCO-style JSON)')
        super().__init__(ann_file=ann_file, data_root=data_root, **kwargs)

    def _read(self, kind: str) -> list:
        path = os.path.join(self.data_root, f'{self.split}_{kind}.json')
        self.check_exists(path, f'{kind} file')
        content = read_json_file(path, f'FreiHAND {kind} file',
                                 self.data_hint)
        if not isinstance(content, list):
            raise AnnotationError(f'{path}: must hold a list (one entry per '
                                  'annotation)')
        return content

    def load_hand_infos(self, ann_file: str) -> List[dict]:
        if self.ann_format == 'mmpose_coco':
            return self.load_coco(ann_file)
        Ks, xyz, mano = self._read('K'), self._read('xyz'), self._read(
            'mano')
        verts = self._read('verts') if self.with_vertices else None
        count = len(Ks)
        for name, values in (('xyz', xyz), ('mano', mano), ('verts', verts)):
            if values is not None and len(values) != count:
                raise AnnotationError(
                    f'{self.data_root}: {self.split}_{name}.json has '
                    f'{len(values)} entries but {self.split}_K.json has '
                    f'{count}')
        ones = np.ones(21)
        hands = []
        for index in range(count):
            where = f'{self.data_root}: {self.split} annotation {index}'
            K = check_shape(Ks[index], (3, 3), where, 'K')
            joints_mm = check_shape(xyz[index], (21, 3), where,
                                    'xyz') * 1000.0
            params = check_shape(mano[index], (1, 61), where, 'mano')[0]
            template = fill_hand(self.empty_hand_info(), 'right', K,
                                 IMAGE_SIZE, project_points(K, joints_mm),
                                 ones, joints_mm, ones)
            template['mano_betas'] = params[48:58].astype(np.float32)
            if self.flat_pose.available:
                template['mano_pose'] = self.flat_pose(
                    params[:48], 'right').astype(np.float32)
                template['mano_valid'] = 1.0
            if verts is not None:
                template['vertices'] = (check_shape(
                    verts[index], (778, 3), where, 'verts') *
                    1000.0).astype(np.float32)
            for version in self.versions:
                image_id = index + count * VERSIONS.index(version)
                hand = dict(template)
                hand.update(img_id=image_id, ann_id=len(hands),
                            img_path=os.path.join(
                                self.img_root, self.split, 'rgb',
                                f'{image_id:08d}.jpg'),
                            frame=index, view=version)
                hands.append(hand)
        return hands

    def load_coco(self, ann_file: str) -> List[dict]:
        """Right hands of mmpose's COCO-style FreiHAND file (2D only)."""
        content = read_json_file(ann_file, 'FreiHAND COCO file',
                                 self.data_hint)
        if not isinstance(content, dict) or not isinstance(
                content.get('images'), list) or not isinstance(
                    content.get('annotations'), list):
            raise AnnotationError(f"{ann_file}: top level must hold "
                                  "'images' and 'annotations' lists")
        images = {}
        for record in content['images']:
            check = RecordChecker(ann_file, 'image', record)
            images[check.integer('id')] = (
                check.string('file_name'),
                (check.integer('height', minimum=1),
                 check.integer('width', minimum=1)))
        hands = []
        for record in content['annotations']:
            check = RecordChecker(ann_file, 'annotation', record)
            image_id = check.integer('image_id')
            if image_id not in images:
                check.fail('image_id', f'{image_id} names no image')
            file_name, shape = images[image_id]
            keypoints = check.array('keypoints', (21, 3), flat_ok=True)
            x, y, w, h = check.array('bbox', (4, ))
            # no intrinsics in this file: a pinhole centred on the image
            K = np.array([[shape[1], 0, shape[1] / 2.0],
                          [0, shape[1], shape[0] / 2.0], [0, 0, 1]])
            hand = fill_hand(self.empty_hand_info(), 'right', K, shape,
                             keypoints[:, :2], keypoints[:, 2] > 0,
                             bbox_xyxy=np.array([x, y, x + w, y + h]))
            hand.update(img_id=image_id, ann_id=check.integer('id'),
                        img_path=os.path.join(self.img_root, file_name))
            hands.append(hand)
        return hands
