"""The files EgoSynth writes follow docs/data_format.md and agree with
themselves: keypoints on the rendered hands, exact reprojection, MANO
parameters that rebuild the joints."""
import numpy as np

from egohands.datasets.metainfo import NUM_JOINTS
from egohands.datasets.rle import decode_rle


def _K(image):
    (fx, fy), (cx, cy) = image['cam_param']['focal'], \
        image['cam_param']['princpt']
    return np.array([[fx, 0, cx], [0, fy, cy], [0, 0, 1.0]])


def test_xtcocotools_loads_the_split_and_agrees_on_every_mask(
        small_dataset):
    from xtcocotools import mask as mask_utils
    from xtcocotools.coco import COCO
    coco = COCO(str(small_dataset / 'annotations' / 'train.json'))
    assert len(coco.getImgIds()) == 40
    assert coco.loadCats(1)[0]['keypoints'][0] == 'wrist'
    for ann in coco.loadAnns(coco.getAnnIds()):
        image = coco.loadImgs(ann['image_id'])[0]
        assert (small_dataset / image['file_name']).is_file()
        mask = decode_rle(ann['segmentation'])
        assert mask.shape == (image['height'], image['width'])
        # xtcocotools' decoder fails on numpy 2 (NPY_OWNDATA); its encoder
        # works, and must give back the stored compressed counts
        theirs = mask_utils.encode(np.asfortranarray(mask))
        assert theirs['counts'].decode() == ann['segmentation']['counts']
        if mask.any():  # the visible hand lies inside its (amodal) box
            rows, cols = np.nonzero(mask)
            x, y, w, h = ann['bbox']
            assert cols.min() >= np.floor(x) - 1
            assert cols.max() <= np.ceil(x + w) + 1
            assert rows.min() >= np.floor(y) - 1
            assert rows.max() <= np.ceil(y + h) + 1


def test_visible_keypoints_lie_on_the_rendered_hand_mask(small_annotations):
    checked = 0
    for ann in small_annotations['annotations']:
        mask = decode_rle(ann['segmentation']).astype(bool)
        keypoints = np.array(ann['keypoints']).reshape(NUM_JOINTS, 3)
        for x, y, v in keypoints[keypoints[:, 2] == 2]:
            # the joint's pixel, or its neighbour for a joint on the
            # outline (visibility_search_px = 1), is this hand's skin; one
            # pixel more because the stored keypoints are rounded to 0.01 px
            # (77.4999 is stored as 77.5 and rounds to the next pixel)
            col, row = int(np.floor(x + 0.5)), int(np.floor(y + 0.5))
            window = mask[max(row - 2, 0):row + 3, max(col - 2, 0):col + 3]
            assert window.any(), (ann['id'], x, y)
            checked += 1
        assert ann['num_keypoints'] == int((keypoints[:, 2] > 0).sum())
    assert checked > 200


def test_joints_3d_reproject_onto_the_keypoints(small_annotations):
    images = {im['id']: im for im in small_annotations['images']}
    worst = 0.0
    for ann in small_annotations['annotations']:
        K = _K(images[ann['image_id']])
        joints = np.array(ann['joints_3d'])  # mm, camera frame
        assert (joints[:, 2] > 0).all()
        projected = joints @ K.T
        projected = projected[:, :2] / projected[:, 2:]
        keypoints = np.array(ann['keypoints']).reshape(NUM_JOINTS, 3)
        worst = max(worst, np.abs(projected - keypoints[:, :2]).max())
        assert ann['joints_valid'] == [1] * NUM_JOINTS
    assert worst < 0.5


def test_visibility_flags_match_the_image_bounds(small_annotations):
    images = {im['id']: im for im in small_annotations['images']}
    flags = []
    for ann in small_annotations['annotations']:
        image = images[ann['image_id']]
        keypoints = np.array(ann['keypoints']).reshape(NUM_JOINTS, 3)
        inside = ((keypoints[:, 0] >= -0.5) &
                  (keypoints[:, 0] < image['width'] - 0.5) &
                  (keypoints[:, 1] >= -0.5) &
                  (keypoints[:, 1] < image['height'] - 0.5))
        np.testing.assert_array_equal(keypoints[:, 2] > 0, inside)
        flags.append(keypoints[:, 2])
    flags = np.concatenate(flags)
    # occluders, the other hand and folded fingers hide some joints
    assert (flags == 1).mean() > 0.05 and (flags == 2).mean() > 0.3


def test_mano_parameters_rebuild_the_joints(small_annotations,
                                            rebuild_joints_mm):
    for ann in small_annotations['annotations'][:12]:
        np.testing.assert_allclose(rebuild_joints_mm(ann),
                                   np.array(ann['joints_3d']), atol=0.05)


def test_records_use_the_canonical_keys_and_layout(small_dataset,
                                                   small_annotations):
    assert small_annotations['info']['dataset_name'] == 'egosynth'
    assert [c['name'] for c in small_annotations['categories']] == ['hand']
    image = small_annotations['images'][0]
    assert image['file_name'] == 'images/train/000000.jpg'
    assert set(image) == {'id', 'file_name', 'width', 'height', 'cam_param'}
    ann = small_annotations['annotations'][0]
    for key in ('id', 'image_id', 'category_id', 'bbox', 'keypoints',
                'num_keypoints', 'hand_side', 'joints_3d', 'joints_valid',
                'mano', 'segmentation', 'grasp'):
        assert key in ann
    assert {len(v) for v in ann['mano'].values()} == {3, 45, 10}
    sides = {a['hand_side'] for a in small_annotations['annotations']}
    grasps = {a['grasp'] for a in small_annotations['annotations']}
    assert sides == {'left', 'right'} and grasps == {0, 1, 2}
    ids = [a['id'] for a in small_annotations['annotations']]
    assert ids == list(range(1, len(ids) + 1))


def test_egohands_coco_dataset_reads_the_split(small_dataset):
    from egohands.datasets import EgoHandsCocoDataset
    dataset = EgoHandsCocoDataset(
        ann_file='annotations/train.json', data_root=str(small_dataset),
        pipeline=[], test_mode=True)
    sample = dataset[0]
    assert sample['joints_3d'].shape == (NUM_JOINTS, 3)
    assert sample['K'].shape == (3, 3)
    assert sample['mano_valid'] == 1
