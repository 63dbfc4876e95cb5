"""EgoHandsCocoDataset: parsing, checks with precise messages, options."""
import copy
import json

import numpy as np
import pytest
from xtcocotools.coco import COCO

from egohands.datasets import EgoHandsCocoDataset
from egohands.registry import DATASETS
from egohands.utils.errors import (AnnotationError, ConfigError,
                                   DatasetNotFoundError)


def _image(image_id=1, **extra):
    record = {'id': image_id, 'file_name': f'img/{image_id}.png',
              'width': 640, 'height': 480,
              'cam_param': {'focal': [300.0, 310.0], 'princpt': [320.5,
                                                                 240.25]}}
    record.update(extra)
    return record


def _hand(ann_id=1, image_id=1, side='right', **extra):
    joints = np.arange(63, dtype=float).reshape(21, 3) + [0, 0, 400]
    keypoints = [[10.0 + j, 20.0 + j, 2] for j in range(21)]
    keypoints[3][2] = 0
    record = {'id': ann_id, 'image_id': image_id, 'category_id': 1,
              'bbox': [10.0, 20.0, 30.0, 40.0],
              'keypoints': [c for kp in keypoints for c in kp],
              'num_keypoints': 20, 'hand_side': side,
              'joints_3d': joints.tolist(), 'joints_valid': [1] * 21}
    record.update(extra)
    return record


def _write(tmp_path, images, annotations, name='val.json'):
    path = tmp_path / 'annotations' / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({'info': {'dataset_name': 'handwritten'},
                                'images': images,
                                'annotations': annotations,
                                'categories': [{'id': 1, 'name': 'hand'}]}))
    return f'annotations/{name}'


def _load(tmp_path, ann_file, **kwargs):
    return EgoHandsCocoDataset(ann_file=ann_file, data_root=str(tmp_path),
                               **kwargs)


def test_parses_a_handwritten_record(tmp_path):
    mano = {'global_orient': [0.1, 0.2, 0.3], 'hand_pose': [0.01] * 45,
            'betas': [0.5] * 10, 'transl': [0.01, 0.02, 0.4]}
    extra = dict(sequence='take_3', frame=12, view='cam1',
                 T_world_from_cam=np.eye(4).tolist())
    ann_file = _write(tmp_path, [_image(1, **extra), _image(2)], [
        _hand(5, 1, 'left', mano=mano, grasp=3),
        _hand(6, 2, 'right', segmentation={'size': [480, 640],
                                           'counts': [307200]})])
    dataset = _load(tmp_path, ann_file, data_prefix=dict(img='imgs_root'))
    assert len(dataset) == 2
    left = dataset.get_data_info(0)
    assert left['img_path'] == str(tmp_path / 'imgs_root' / 'img' / '1.png')
    assert (left['img_id'], left['ann_id']) == (1, 5)
    assert left['img_shape'] == (480, 640)
    np.testing.assert_allclose(
        left['K'], [[300, 0, 320.5], [0, 310, 240.25], [0, 0, 1]])
    np.testing.assert_allclose(left['bbox'], [10, 20, 40, 60])  # xyxy
    assert left['keypoints_2d'].shape == (21, 2)
    np.testing.assert_allclose(left['keypoints_2d'][4], [14, 24])
    assert left['keypoints_2d_valid'].tolist() == [1] * 3 + [0] + [1] * 17
    np.testing.assert_allclose(left['joints_3d'][1], [3, 4, 405])
    assert left['hand_side'] == 'left' and left['mano_valid'] == 1.0
    np.testing.assert_allclose(left['mano_pose'][:4], [0.1, 0.2, 0.3, 0.01],
                               rtol=1e-6)
    np.testing.assert_allclose(left['mano_transl'], [0.01, 0.02, 0.4],
                               rtol=1e-6)
    assert left['grasp'] == 3 and left['segmentation'] is None
    assert (left['sequence'], left['frame'], left['view']) == ('take_3', 12,
                                                              'cam1')
    np.testing.assert_allclose(left['T_world_from_cam'], np.eye(4))
    assert left['dataset_name'] == 'handwritten'
    for key in ('K', 'bbox', 'keypoints_2d', 'joints_3d', 'joints_valid',
                'mano_pose', 'mano_betas', 'mano_transl'):
        assert left[key].dtype == np.float32, key
    right = dataset.get_data_info(1)
    assert right['mano_valid'] == 0.0 and not right['mano_pose'].any()
    assert right['grasp'] == -1 and right['T_world_from_cam'] is None
    assert right['segmentation']['size'] == [480, 640]
    # the same file is a valid COCO file for xtcocotools
    coco = COCO(str(tmp_path / ann_file))
    assert sorted(coco.getAnnIds(imgIds=[1])) == [5]


def test_nested_keypoints_and_null_invalid_joints(tmp_path):
    hand = _hand()
    hand['keypoints'] = [hand['keypoints'][i:i + 3] for i in range(0, 63, 3)]
    hand['joints_valid'][7] = 0
    hand['joints_3d'][7] = [None, None, None]
    dataset = _load(tmp_path, _write(tmp_path, [_image()], [hand]))
    info = dataset.get_data_info(0)
    np.testing.assert_allclose(info['keypoints_2d'][20], [30, 40])
    assert info['joints_valid'][7] == 0
    assert np.isfinite(info['joints_3d']).all()
    assert not info['joints_3d'][7].any()


BAD_RECORDS = [
    # (where, field, value, expected message fragment)
    ('ann', 'joints_3d', [[0, 0, 0]] * 20,
     "annotation id 17: 'joints_3d' must be 21x3 numbers, got 20 rows"),
    ('ann', 'joints_3d', [[0, 0]] * 21, "'joints_3d' must be 21x3 numbers, "
     'got 2 columns'),
    ('ann', 'joints_3d', [[0, 0, None]] * 21, "'joints_3d' must hold finite"),
    ('ann', 'joints_valid', [2] * 21, "'joints_valid' must hold only 0 or 1"),
    ('ann', 'hand_side', 'Left', "'hand_side' must be one of ['left', "
     "'right'], got 'Left'"),
    ('ann', 'hand_side', None, "'hand_side' is missing"),
    ('ann', 'bbox', [1, 2, 3], "'bbox' must be 4 numbers, got 3 numbers"),
    ('ann', 'bbox', [1, 2, -3, 4], "'bbox' must be [x, y, width, height]"),
    ('ann', 'keypoints', [0] * 62, "'keypoints' must be 21x3 numbers"),
    ('ann', 'keypoints', [0, 0, 3] * 21, 'visibility flags'),
    ('ann', 'image_id', 99, "'image_id' 99 names no entry of 'images'"),
    ('ann', 'mano', {'global_orient': [0] * 3, 'hand_pose': [0] * 44,
                     'betas': [0] * 10, 'transl': [0] * 3},
     "'mano.hand_pose' must be 45 numbers, got 44 numbers"),
    ('ann', 'segmentation', [[1, 2, 3, 4]], "'segmentation' must be an RLE"),
    ('ann', 'grasp', 'pinch', "'grasp' must be an integer"),
    ('img', 'cam_param', {'focal': [300], 'princpt': [1, 2]},
     "image id 1: 'cam_param.focal' must be 2 numbers"),
    ('img', 'cam_param', {'focal': [0, 300], 'princpt': [1, 2]},
     "'cam_param.focal' must be positive"),
    ('img', 'width', 0, "'width' must be >= 1"),
    ('img', 'T_world_from_cam', np.eye(3).tolist(),
     "'T_world_from_cam' must be 4x4 numbers"),
]


@pytest.mark.parametrize('where,field,value,message', BAD_RECORDS)
def test_malformed_record_names_file_record_and_field(tmp_path, where, field,
                                                      value, message):
    image, hand = _image(), _hand(17)
    record = hand if where == 'ann' else image
    if value is None:
        del record[field]
    else:
        record[field] = copy.deepcopy(value)
    ann_file = _write(tmp_path, [image], [hand])
    with pytest.raises(AnnotationError) as info:
        _load(tmp_path, ann_file)
    text = str(info.value)
    assert text.startswith(str(tmp_path / ann_file) + ': ')
    assert message in text


def test_duplicate_ids_and_bad_top_level(tmp_path):
    ann_file = _write(tmp_path, [_image()], [_hand(3), _hand(3)])
    with pytest.raises(AnnotationError, match="annotation id 3: 'id' is used "
                       'twice'):
        _load(tmp_path, ann_file)
    path = tmp_path / 'broken.json'
    path.write_text('{"images": [}')
    with pytest.raises(AnnotationError, match='not valid JSON'):
        _load(tmp_path, 'broken.json')
    path.write_text('{"images": []}')
    with pytest.raises(AnnotationError, match="'annotations' must be a list"):
        _load(tmp_path, 'broken.json')


def test_missing_data_says_where_and_how(tmp_path):
    with pytest.raises(DatasetNotFoundError) as info:
        _load(tmp_path, 'annotations/train.json')
    text = str(info.value)
    assert str(tmp_path / 'annotations/train.json') in text
    assert 'tools/make_egosynth.py' in text
    with pytest.raises(DatasetNotFoundError, match='data root not found: '
                       '.*nowhere.*my hint'):
        EgoHandsCocoDataset(ann_file='a.json',
                            data_root=str(tmp_path / 'nowhere'),
                            data_hint='my hint')


def test_lazy_init_defers_file_access(tmp_path):
    dataset = EgoHandsCocoDataset(ann_file='missing.json',
                                  data_root=str(tmp_path), lazy_init=True)
    with pytest.raises(DatasetNotFoundError):
        dataset.full_init()
    _write(tmp_path, [_image()], [_hand()], name='later.json')
    dataset = EgoHandsCocoDataset(ann_file='annotations/later.json',
                                  data_root=str(tmp_path), lazy_init=True)
    assert len(dataset) == 1


def test_hand_side_and_valid_joint_filters(tmp_path):
    few = _hand(3, side='left')
    few['joints_valid'] = [1] * 5 + [0] * 16
    hands = [_hand(1, side='right'), _hand(2, side='left'), few]
    ann_file = _write(tmp_path, [_image()], hands)
    assert len(_load(tmp_path, ann_file)) == 3
    lefts = _load(tmp_path, ann_file, hand_sides=('left', ))
    assert [lefts.get_data_info(i)['ann_id'] for i in range(2)] == [2, 3]
    assert len(_load(tmp_path, ann_file, hand_sides='right')) == 1
    rich = _load(tmp_path, ann_file, min_valid_joints=6)
    assert len(rich) == 2
    with pytest.raises(ConfigError, match='hand_sides'):
        _load(tmp_path, ann_file, hand_sides=('both', ))
    with pytest.raises(ConfigError, match='min_valid_joints'):
        _load(tmp_path, ann_file, min_valid_joints=22)


def test_registered_and_builds_pipeline_without_default_scope(tmp_path):
    ann_file = _write(tmp_path, [_image()], [_hand()])
    seen = []
    dataset = DATASETS.build(dict(type='EgoHandsCocoDataset',
                                  data_root=str(tmp_path), ann_file=ann_file,
                                  dataset_name='named', test_mode=True,
                                  pipeline=[lambda r: seen.append(r) or r]))
    out = dataset[0]
    assert seen and out['dataset_name'] == 'named'
    assert dataset.metainfo['num_joints'] == 21
    assert len(dataset.metainfo['skeleton']) == 20
