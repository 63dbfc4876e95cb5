"""init_model + inference_topdown against tools/test.py on the same hands,
whole-image mode on a crop, default intrinsics, and input errors."""
import contextlib
import io
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

import tool_loader
from egohands.apis import inference_topdown, init_model
from egohands.apis.inference import DEFAULT_FOV_DEG, default_intrinsics
from egohands.utils.errors import InputError


def _annotations(toy_data_root):
    content = json.loads(
        (Path(toy_data_root) / 'annotations' / 'test.json').read_text())
    images = {image['id']: image for image in content['images']}
    return images, content['annotations']


def _xyxy(bbox):
    x, y, w, h = bbox
    return [x, y, x + w, y + h]


def _K(image):
    (fx, fy), (cx, cy) = (image['cam_param']['focal'],
                          image['cam_param']['princpt'])
    return np.array([[fx, 0, cx], [0, fy, cy], [0, 0, 1]], np.float32)


@pytest.fixture(scope='module')
def model(trained_tiny):
    config, checkpoint, _ = trained_tiny
    return init_model(config, checkpoint)


def test_same_joints_as_tools_test(trained_tiny, model, toy_data_root,
                                   tmp_path):
    config, checkpoint, options = trained_tiny
    dump = tmp_path / 'dump.json'
    with contextlib.redirect_stdout(io.StringIO()):
        status = tool_loader.load_tool('test').main(
            [config, checkpoint, '--work-dir', str(tmp_path / 'w'),
             '--dump', str(dump)] + options[:2])
    assert status == 0
    dumped = {p['ann_id']: p for p in
              json.loads(dump.read_text())['predictions']}
    images, annotations = _annotations(toy_data_root)
    compared = 0
    for image_id, image in images.items():
        hands = [a for a in annotations if a['image_id'] == image_id]
        preds = inference_topdown(
            model, str(Path(toy_data_root) / image['file_name']),
            bboxes=[_xyxy(a['bbox']) for a in hands],
            hand_sides=[a['hand_side'] for a in hands], K=_K(image))
        assert len(preds) == len(hands)
        for hand, pred in zip(hands, preds):
            expected = np.asarray(dumped[hand['id']]['pred_joints_3d'])
            joints = pred.pred_joints_3d.numpy()
            assert joints.shape == (21, 3)
            np.testing.assert_allclose(joints, expected, atol=1e-3)
            assert pred.pred_joints_absolute is False
            assert pred.metainfo['K_source'] == 'given'
            assert pred.metainfo['keypoints_2d_source'] == 'box fit'
            assert pred.pred_keypoints_2d.shape == (21, 2)
            assert 'gt_joints_3d' not in pred
            compared += 1
    assert compared == len(annotations) == len(dumped)


def test_box_fit_keypoints_lie_in_the_box(model, toy_data_root):
    images, annotations = _annotations(toy_data_root)
    hand = annotations[0]
    box = _xyxy(hand['bbox'])
    pred, = inference_topdown(
        model, str(Path(toy_data_root) / images[hand['image_id']]
                   ['file_name']), [box], hand['hand_side'])
    points = pred.pred_keypoints_2d.numpy()
    # the larger side of the keypoints' extent spans the larger box side,
    # centred on the box centre (place_in_box)
    extent = (points.max(0) - points.min(0)).max()
    assert extent == pytest.approx(max(box[2] - box[0], box[3] - box[1]),
                                   rel=0.35)
    centre = (points.max(0) + points.min(0)) / 2
    np.testing.assert_allclose(centre, [(box[0] + box[2]) / 2,
                                        (box[1] + box[3]) / 2], atol=8)


def test_whole_image_mode_on_the_crop(model, toy_data_root):
    images, annotations = _annotations(toy_data_root)
    hand = annotations[1]
    image_info = images[hand['image_id']]
    image = cv2.imread(str(Path(toy_data_root) / image_info['file_name']))
    K = _K(image_info)
    boxed, = inference_topdown(model, image, [_xyxy(hand['bbox'])],
                               hand['hand_side'], K)
    crop_from_img = np.asarray(boxed.metainfo['crop_from_img'], np.float64)
    width, height = boxed.metainfo['input_size']
    crop = cv2.warpAffine(image, crop_from_img[:2], (width, height),
                          flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT)
    whole, = inference_topdown(model, crop, hand_sides=hand['hand_side'],
                               K=crop_from_img @ K)
    np.testing.assert_allclose(whole.metainfo['crop_from_img'], np.eye(3),
                               atol=1e-5)
    np.testing.assert_allclose(whole.pred_joints_3d.numpy(),
                               boxed.pred_joints_3d.numpy(), atol=1e-3)


def test_default_intrinsics_are_said(model):
    image = np.full((48, 80, 3), 90, np.uint8)
    pred, = inference_topdown(model, image)
    assert pred.metainfo['K_source'] == 'default'
    K = pred.metainfo['K']
    assert K[0, 0] == pytest.approx(40 / np.tan(np.deg2rad(DEFAULT_FOV_DEG)
                                                / 2))
    np.testing.assert_allclose(K, default_intrinsics(80, 48))
    assert pred.metainfo['hand_side'] == 'right'


@pytest.mark.parametrize('bboxes, message', [
    ([[200, 200, 260, 260]], 'outside the 80x48 image'),
    ([[10, 10, 5, 20]], 'is not a box'),
    ([[1, 2, 3]], 'boxes must be'),
])
def test_bad_boxes_are_refused(model, bboxes, message):
    with pytest.raises(InputError, match=message):
        inference_topdown(model, np.zeros((48, 80, 3), np.uint8), bboxes)


def test_unreadable_image_is_refused(model, tmp_path):
    bad = tmp_path / 'broken.png'
    bad.write_bytes(b'not a png')
    with pytest.raises(InputError, match='broken.png: cannot read'):
        inference_topdown(model, str(bad))
