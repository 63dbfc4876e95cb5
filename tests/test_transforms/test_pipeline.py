"""Loading, packing and the whole top-down pipeline on the toy dataset."""
import json

import numpy as np
import pytest
import torch

from egohands.datasets.transforms import LoadImage, PackHandInputs
from egohands.registry import DATASETS, TRANSFORMS
from egohands.structures import HandDataSample
from egohands.testing import make_toy_hand_dataset, toy_dataset_cfg
from egohands.utils.errors import AnnotationError, DatasetNotFoundError

TRANSFORM_NAMES = ('LoadImage', 'GetSquareBBox', 'RandomBBoxTransform',
                   'TopdownAffine', 'RandomFlip', 'HSVJitter', 'RandomBlur',
                   'RandomMedianBlur', 'CoarseDropout', 'ColorScale',
                   'PackHandInputs')


def test_every_transform_is_registered_under_egohands():
    for name in TRANSFORM_NAMES:
        cls = TRANSFORMS.get(name)
        assert cls.__module__.startswith('egohands.datasets.transforms.')


def test_load_image_errors_name_the_file(tmp_path):
    missing = str(tmp_path / 'nope.png')
    with pytest.raises(DatasetNotFoundError, match='nope.png'):
        LoadImage().transform(dict(img_path=missing, ann_id=4))
    toy = make_toy_hand_dataset(tmp_path, num_images=1, size=(40, 30),
                                splits=('val', ))
    path = str(tmp_path / 'images' / 'val' / '00000.png')
    with pytest.raises(AnnotationError, match='image is 30x40'):
        LoadImage().transform(dict(img_path=path, img_shape=(40, 40)))
    out = LoadImage(with_mask=True).transform(
        dict(img_path=path, img_shape=(30, 40), segmentation=None))
    assert out['img'].shape == (30, 40, 3) and out['img'].dtype == np.uint8
    assert out['mask_valid'] == 0.0 and not out['mask'].any()
    assert toy['num_hands']['val'] >= 1


def test_pack_without_crop_uses_the_identity_crop(make_sample):
    sample = make_sample(np.random.default_rng(0), width=30, height=20)
    packed = PackHandInputs().transform(sample)
    inputs, data_sample = packed['inputs'], packed['data_samples']
    assert inputs.shape == (3, 20, 30) and inputs.dtype == torch.uint8
    assert torch.equal(inputs[:, 5, 7], torch.from_numpy(sample['img'][5, 7]))
    assert isinstance(data_sample, HandDataSample)
    assert data_sample.input_size == (30, 20) and data_sample.flip == 'none'
    np.testing.assert_array_equal(data_sample.crop_K, sample['K'])
    assert data_sample.gt_grasp.dtype == torch.int64
    assert data_sample.gt_mano_valid.shape == ()


def test_training_pipeline_on_the_toy_dataset(tmp_path):
    """Every augmentation at once; the packed labels stay consistent with
    the packed image and camera."""
    toy = make_toy_hand_dataset(tmp_path, num_images=10, size=96, seed=4,
                                splits=('train', ))
    pipeline = [
        dict(type='LoadImage', with_mask=True),
        dict(type='GetSquareBBox', padding=1.25),
        dict(type='RandomBBoxTransform', rotate_prob=1.0),
        dict(type='TopdownAffine', input_size=(48, 64)),
        dict(type='RandomFlip', direction='horizontal', prob=0.5),
        dict(type='HSVJitter'), dict(type='RandomBlur', prob=0.5),
        dict(type='RandomMedianBlur', prob=0.5),
        dict(type='ColorScale'),
        dict(type='PackHandInputs'),
    ]
    dataset = DATASETS.build(toy_dataset_cfg(toy, 'train', pipeline))
    content = json.loads((tmp_path / toy['ann_files']['train']).read_text())
    visible = {ann['id']: np.array(ann['keypoints'])[2::3] == 2
               for ann in content['annotations']}
    np.random.seed(0)
    flips, sides = set(), set()
    for index in range(len(dataset)):
        packed = dataset[index]
        sample = packed['data_samples']
        assert packed['inputs'].shape == (3, 64, 48)
        assert packed['inputs'].dtype == torch.uint8
        assert sample.gt_joints_3d.dtype == torch.float32
        assert sample.gt_joints_3d.shape == (21, 3)
        assert sample.gt_keypoints_2d.shape == (21, 2)
        assert sample.gt_mask.shape == (64, 48)
        assert isinstance(sample.crop_K, np.ndarray)
        # the crop camera projects the 3D joints onto the 2D labels
        uvw = sample.gt_joints_3d.double().numpy() @ sample.crop_K.T
        np.testing.assert_allclose(uvw[:, :2] / uvw[:, 2:],
                                   sample.gt_keypoints_2d.numpy(),
                                   atol=0.05)
        # visible keypoints inside the crop lie on the warped hand mask
        kpts = sample.gt_keypoints_2d.numpy()
        inside = ((kpts[:, 0] >= 1) & (kpts[:, 0] <= 46) &
                  (kpts[:, 1] >= 1) & (kpts[:, 1] <= 62) &
                  visible[sample.ann_id])
        cols, rows = np.round(kpts[inside]).astype(int).T
        mask = sample.gt_mask.numpy()
        near = np.maximum.reduce([np.roll(np.roll(mask, dy, 0), dx, 1)
                                  for dy in (-1, 0, 1) for dx in (-1, 0, 1)])
        assert inside.sum() >= 5 and near[rows, cols].mean() > 0.9
        flips.add(sample.flip)
        sides.add((sample.orig_hand_side, sample.hand_side))
        if sample.flip == 'horizontal':
            assert sample.hand_side != sample.orig_hand_side
    assert flips == {'none', 'horizontal'}
    assert len(sides) >= 3



def test_packed_ground_truth_keeps_values_and_dtypes(make_sample):
    sample = make_sample(np.random.default_rng(1), width=30, height=20)
    sample.update(grasp=3, mano_valid=1.0)
    packed = PackHandInputs().transform(dict(sample))
    data_sample = packed['data_samples']
    torch.testing.assert_close(
        data_sample.gt_joints_3d,
        torch.as_tensor(sample['joints_3d'], dtype=torch.float32))
    assert data_sample.gt_grasp.dtype == torch.int64
    assert data_sample.gt_grasp.shape == () and int(data_sample.gt_grasp) == 3
    assert data_sample.gt_mano_valid.shape == ()
    # the tensors do not alias the sample's arrays
    data_sample.gt_joints_3d.fill_(0)
    assert np.abs(sample['joints_3d']).sum() > 0
