"""Two-hand samples: grouping by image, the frame and crop geometry, missing
hands, frame masks, packing and the dict data preprocessor."""
import json
import os
from collections import defaultdict

import numpy as np
import pytest
import torch

from egohands.datasets.rle import decode_rle
from egohands.geometry.affine import apply_affine_2d
from egohands.geometry.camera import project_points
from egohands.models.encodings import crop_box_from_metainfo
from egohands.registry import DATASETS, MODELS
from test_wildhands.conftest import two_hand_dataset_cfg


def annotated_sides(toy):
    """{file_name: {side: annotation}} of the toy train split."""
    content = json.load(open(os.path.join(toy['data_root'],
                                          toy['ann_files']['train'])))
    names = {image['id']: image['file_name'] for image in content['images']}
    sides = defaultdict(dict)
    for ann in content['annotations']:
        sides[names[ann['image_id']]][ann['hand_side']] = ann
    return sides


def test_one_sample_per_image_with_its_sides(toy_two_hand):
    dataset = DATASETS.build(two_hand_dataset_cfg(toy_two_hand))
    sides = annotated_sides(toy_two_hand)
    assert len(dataset) == len(sides)
    assert any(len(s) == 1 for s in sides.values())  # a missing hand
    assert any(len(s) == 2 for s in sides.values())
    for index in range(len(dataset)):
        sample = dataset[index]['data_samples']
        name = os.path.relpath(sample.img_path, toy_two_hand['data_root'])
        for side in ('right', 'left'):
            hand = sample.get(side)
            assert hand.hand_present == (side in sides[name])
            if hand.hand_present:
                assert hand.ann_id == sides[name][side]['id']
                assert int(hand.gt_grasp) == sides[name][side]['grasp']
            else:  # every validity is zero, the crop is the whole frame
                assert hand.gt_joints_valid.sum() == 0
                assert hand.gt_keypoints_2d_valid.sum() == 0
                assert float(hand.gt_mano_valid) == 0
                assert int(hand.gt_grasp) == -1
                assert float(hand.gt_mask_valid) == 0
                np.testing.assert_allclose(hand.crop_box, [0, 0, 63, 63])


def test_frame_and_crop_cameras_project_the_joints(toy_two_hand):
    """frame_K projects the 3D joints onto the frame keypoints; the hand
    crop's K onto the crop affine of the full-image keypoints; the KPE box
    is where the crop's corner pixels are (the encodings' convention)."""
    dataset = DATASETS.build(two_hand_dataset_cfg(
        toy_two_hand, frame_size=48, crop_size=40, mask_size=None))
    hands = DATASETS.build(dict(type='EgoHandsCocoDataset',
                                data_root=toy_two_hand['data_root'],
                                ann_file=toy_two_hand['ann_files']['train']))
    full = {(h['img_path'], h['hand_side']): h
            for h in (hands.get_data_info(i) for i in range(len(hands)))}
    checked = 0
    for index in range(len(dataset)):
        item = dataset[index]
        sample = item['data_samples']
        assert {k: tuple(v.shape) for k, v in item['inputs'].items()} == {
            'frame': (3, 48, 48), 'right': (3, 40, 40), 'left': (3, 40, 40)}
        for side in ('right', 'left'):
            hand = sample.get(side)
            if not hand.hand_present:
                continue
            valid = hand.gt_joints_valid.numpy() > 0
            joints = hand.gt_joints_3d.numpy()[valid]
            np.testing.assert_allclose(
                project_points(joints, sample.frame_K),
                hand.gt_keypoints_2d.numpy()[valid], atol=0.02)
            np.testing.assert_allclose(hand.crop_K, sample.frame_K)
            original = full[(sample.img_path, side)]['keypoints_2d'][valid]
            np.testing.assert_allclose(
                project_points(joints, hand.hand_crop_K),
                apply_affine_2d(original.astype(np.float64),
                                hand.hand_crop_from_img), atol=0.02)
            box_img = crop_box_from_metainfo(dict(
                crop_from_img=hand.hand_crop_from_img, input_size=(40, 40)))
            box_frame = apply_affine_2d(box_img.reshape(2, 2),
                                        sample.frame_from_img).reshape(4)
            np.testing.assert_allclose(hand.crop_box,
                                       np.clip(box_frame, 0, 47), atol=1e-3)
            checked += 1
    assert checked >= 4


def test_frame_letterbox_of_a_wide_image():
    """A 100 x 50 (w x h) image in a 50-px frame: scale 1/2, centred
    vertically (12.5 px bands above and below)."""
    from egohands.datasets.transforms.two_hand import frame_affine
    affine = frame_affine((50, 100), 50)
    # pixel-centre convention: u' = (u + 0.5) / 2 - 0.5
    np.testing.assert_allclose(
        apply_affine_2d(np.array([[-0.5, -0.5], [99.5, 49.5]]), affine),
        [[-0.5, 12.0], [49.5, 37.0]], atol=1e-9)


def test_frame_masks_are_the_hand_masks(toy_two_hand):
    """With a frame of the image's size, the frame mask is the decoded
    segmentation itself; at half the size it keeps about a quarter of the
    pixels (nearest sampling)."""
    sides = annotated_sides(toy_two_hand)
    for mask_size in (64, 32):
        dataset = DATASETS.build(two_hand_dataset_cfg(
            toy_two_hand, frame_size=64, mask_size=mask_size))
        for index in range(len(dataset)):
            sample = dataset[index]['data_samples']
            name = os.path.relpath(sample.img_path, toy_two_hand['data_root'])
            for side, ann in sides[name].items():
                full = decode_rle(ann['segmentation'])
                mask = sample.get(side).gt_mask.numpy()
                assert mask.shape == (mask_size, mask_size)
                assert float(sample.get(side).gt_mask_valid) == 1.0
                if mask_size == 64:
                    np.testing.assert_array_equal(mask, full)
                else:
                    assert mask.sum() == pytest.approx(full.sum() / 4,
                                                       rel=0.35, abs=3)


def test_image_dict_preprocessor_matches_the_single_image_one(toy_two_hand):
    from mmengine.dataset import pseudo_collate
    dataset = DATASETS.build(two_hand_dataset_cfg(toy_two_hand))
    batch = pseudo_collate([dataset[0], dataset[1]])
    norm = dict(mean=[10.0, 20.0, 30.0], std=[2.0, 3.0, 4.0], bgr_to_rgb=True)
    single = MODELS.build(dict(type='HandDataPreprocessor', **norm))
    multi = MODELS.build(dict(type='ImageDictDataPreprocessor', **norm))
    out = multi(batch)
    assert set(out['inputs']) == {'frame', 'right', 'left'}
    for name, images in batch['inputs'].items():
        expected = single(dict(inputs=images, data_samples=None))['inputs']
        torch.testing.assert_close(out['inputs'][name], expected)
    assert len(out['data_samples']) == 2
