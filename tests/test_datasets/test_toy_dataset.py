"""The toy dataset of egohands.testing is valid, exact and deterministic."""
import json
import os

import numpy as np
from xtcocotools.coco import COCO
from xtcocotools import mask as coco_mask

from egohands.datasets import EgoHandsCocoDataset
from egohands.testing import make_toy_hand_dataset, toy_dataset_cfg
from egohands.registry import DATASETS


def test_toy_dataset_projects_and_loads(tmp_path):
    toy = make_toy_hand_dataset(tmp_path, num_images=12, size=(80, 64),
                                seed=3)
    dataset = EgoHandsCocoDataset(ann_file=toy['ann_files']['train'],
                                  data_root=toy['data_root'])
    assert len(dataset) == toy['num_hands']['train'] >= 12
    sides = set()
    for i in range(len(dataset)):
        hand = dataset.get_data_info(i)
        sides.add(hand['hand_side'])
        uvw = hand['joints_3d'].astype(np.float64) @ hand['K'].T
        projected = uvw[:, :2] / uvw[:, 2:]
        valid = hand['keypoints_2d_valid'] > 0
        # 2D rounding to 0.01 px, 3D to 1 um
        assert np.abs(projected - hand['keypoints_2d'])[valid].max() < 0.02
        assert os.path.exists(hand['img_path'])
        assert hand['img_shape'] == (64, 80)
        x0, y0, x1, y1 = hand['bbox']
        inside = hand['keypoints_2d'][valid]
        assert (inside[:, 0] >= x0).all() and (inside[:, 0] <= x1).all()
        assert (inside[:, 1] >= y0).all() and (inside[:, 1] <= y1).all()
        assert (hand['joints_3d'][:, 2] > 50).all()  # in front, in mm
    assert sides == {'left', 'right'}


def test_toy_dataset_is_deterministic(tmp_path):
    first = make_toy_hand_dataset(tmp_path / 'a', num_images=4, seed=7)
    second = make_toy_hand_dataset(tmp_path / 'b', num_images=4, seed=7)
    make_toy_hand_dataset(tmp_path / 'c', num_images=4, seed=8)
    for split, ann in first['ann_files'].items():
        a = (tmp_path / 'a' / ann).read_bytes()
        assert a == (tmp_path / 'b' / ann).read_bytes()
        assert a != (tmp_path / 'c' / ann).read_bytes()
    image = 'images/val/00002.png'
    assert (tmp_path / 'a' / image).read_bytes() == (tmp_path / 'b' /
                                                     image).read_bytes()


def test_toy_segmentation_matches_xtcocotools_and_drawn_pixels(tmp_path):
    toy = make_toy_hand_dataset(tmp_path, num_images=6, seed=1,
                                splits=('val', ))
    coco = COCO(os.path.join(toy['data_root'], toy['ann_files']['val']))
    assert len(coco.getAnnIds()) == toy['num_hands']['val']
    from egohands.datasets.rle import decode_rle
    import cv2
    for ann in coco.loadAnns(coco.getAnnIds()):
        ours = decode_rle(ann['segmentation'])
        # xtcocotools' decoder is broken on numpy 2 (NPY_OWNDATA); its
        # encoder works: re-encoding our decoded mask must give the record
        theirs = coco_mask.encode(np.asfortranarray(ours))
        assert theirs['counts'].decode() == ann['segmentation']['counts']
        assert theirs['size'] == ann['segmentation']['size']
        assert ours.sum() > 10
        # visible joints lie on (or within 1 px of) the hand mask
        image_info = coco.loadImgs(ann['image_id'])[0]
        dilated = cv2.dilate(ours, np.ones((3, 3), np.uint8))
        kpts = np.array(ann['keypoints']).reshape(21, 3)
        visible = kpts[:, 2] == 2
        cols = np.round(kpts[visible, 0]).astype(int)
        rows = np.round(kpts[visible, 1]).astype(int)
        assert dilated[rows, cols].mean() > 0.9, image_info['file_name']


def test_toy_sequences_and_mano(tmp_path):
    toy = make_toy_hand_dataset(tmp_path, num_images=8, seed=2, seq_len=4,
                                with_mano=True, drop_joint_prob=0.2,
                                splits=('train', ))
    content = json.loads((tmp_path / toy['ann_files']['train']).read_text())
    frames = [(im['sequence'], im['frame']) for im in content['images']]
    assert frames[:4] == [('train_0000', f) for f in range(4)]
    assert frames[4][0] == 'train_0001'
    dataset = DATASETS.build(toy_dataset_cfg(toy, 'train', pipeline=[]))
    hands = [dataset.get_data_info(i) for i in range(len(dataset))]
    assert all(h['mano_valid'] == 1.0 and h['grasp'] >= 0 for h in hands)
    valid = np.stack([h['joints_valid'] for h in hands])
    assert 0.5 < valid.mean() < 1.0
    # within a sequence the hand state moves linearly in time; the 3D
    # centroid of the joints sits at the interpolated depth, so its z steps
    # are equal from frame to frame
    side = next(h['hand_side'] for h in hands if h['img_id'] == 0)
    depth = [next(h['joints_3d'][:, 2].astype(np.float64).mean()
                  for h in hands if h['img_id'] == i and h['hand_side'] ==
                  side) for i in range(4)]
    steps = np.diff(depth)
    np.testing.assert_allclose(steps, steps[0], atol=1e-2)
    assert abs(steps[0]) > 1e-3
