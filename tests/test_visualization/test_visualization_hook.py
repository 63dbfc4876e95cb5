"""HandVisualizationHook: which crops it draws on (plain and TTA batches),
and the mesh panel of MANO predictions."""
import os
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from test_hamer.conftest import small_estimator_cfg
from test_hamer.test_estimator import _batch as unlabelled_batch
from test_hamer.test_estimator import _record as unlabelled_record

from egohands.engine.hooks.hand_visualization_hook import (
    HandVisualizationHook, hand_mesh_faces, matching_view_inputs,
    predicted_crop_keypoints, predicted_crop_vertices)
from egohands.evaluation.metrics.sample_fields import to_numpy
from egohands.geometry.camera import project_points
from egohands.geometry.flip import flip_intrinsics
from egohands.registry import DATASETS, MODELS
from egohands.structures import HandDataSample
from egohands.visualization.skeleton import draw_prediction_vs_ground_truth


def _samples(flips):
    return [HandDataSample(metainfo=dict(flip=f)) for f in flips]


def test_plain_batch_uses_its_crops():
    crops = [torch.zeros(3, 8, 6), torch.ones(3, 8, 6)]
    outputs = _samples(['none', 'vertical'])
    assert matching_view_inputs(dict(inputs=crops), outputs) == crops
    assert matching_view_inputs(dict(inputs=crops[:1]), outputs) is None
    assert matching_view_inputs(dict(), outputs) is None


def test_tta_batch_uses_the_view_the_outputs_describe():
    flipped = [torch.full((3, 8, 6), 2.0), torch.full((3, 8, 6), 3.0)]
    plain = [torch.zeros(3, 8, 6), torch.ones(3, 8, 6)]
    batch = dict(inputs=[flipped, plain],
                 data_samples=[_samples(['vertical'] * 2),
                               _samples(['none'] * 2)])
    assert matching_view_inputs(batch, _samples(['none'] * 2)) == plain
    assert matching_view_inputs(batch, _samples(['horizontal'] * 2)) is None


# ---------------------------------------------------------------- the mesh
# A small HaMeR (MANO head on the synthetic MANO-format hand) on toy-dataset
# crops: pictures gain a mesh panel; without vertices they are unchanged.
CROP = 128
MIRROR_LEFT = dict(type='RandomFlip', direction='horizontal', prob=1.0,
                   hand_sides=('left', ))
TOY_PIPELINE = [dict(type='LoadImage'),
                dict(type='GetSquareBBox', padding=1.25),
                dict(type='TopdownAffine', input_size=(CROP, CROP)),
                MIRROR_LEFT, dict(type='PackHandInputs')]


@pytest.fixture(scope='module')
def hamer(tmp_path_factory):
    """(model, toy test batch, its outputs) of a small untrained HaMeR."""
    from egohands.synth.hand import write_synthetic_model
    from egohands.testing import make_toy_hand_dataset, toy_dataset_cfg
    root = tmp_path_factory.mktemp('vis_hamer')
    write_synthetic_model(str(root / 'hand'))
    toy = make_toy_hand_dataset(root / 'toy', num_images=2, size=64,
                                splits=('test', ))
    dataset = DATASETS.build(toy_dataset_cfg(toy, 'test',
                                             pipeline=TOY_PIPELINE))
    batch = pseudo_collate([dataset[i] for i in range(len(dataset))])
    torch.manual_seed(0)
    model = MODELS.build(small_estimator_cfg(str(root / 'hand'))).eval()
    with torch.no_grad():
        outputs = model.test_step(batch)
    return model, batch, outputs


def _run_hook(model, batch, outputs, out_dir):
    hook = HandVisualizationHook(enable=True, out_dir=str(out_dir))
    hook.after_test_iter(SimpleNamespace(model=model, work_dir=''), 0,
                         batch, outputs)
    return {name: cv2.imread(str(out_dir / name))
            for name in sorted(os.listdir(out_dir))}


def _crop(image):
    return np.ascontiguousarray(to_numpy(image).transpose(1, 2, 0)).astype(
        np.uint8)


def _skeleton_picture(image, sample):
    """What the hook drew before meshes: the overlay skeleton picture."""
    return draw_prediction_vs_ground_truth(
        _crop(image), predicted_crop_keypoints(sample),
        to_numpy(sample.gt_keypoints_2d),
        to_numpy(sample.gt_keypoints_2d_valid), mode='overlay')


def _name(sample):
    return f'{sample.img_id}_{sample.ann_id}.png'


def test_mano_predictions_get_a_mesh_panel_next_to_the_skeletons(
        hamer, tmp_path):
    model, batch, outputs = hamer
    assert {s.flip for s in outputs} == {'none', 'horizontal'}
    pictures = _run_hook(model, batch, outputs, tmp_path)
    assert len(pictures) == len(outputs)
    for image, sample in zip(batch['inputs'], outputs):
        picture = pictures[_name(sample)]
        assert picture.shape == (CROP, 2 * CROP, 3)
        np.testing.assert_array_equal(picture[:, :CROP],
                                      _skeleton_picture(image, sample))
        crop, panel = _crop(image), picture[:, CROP:]
        changed = (panel != crop).any(axis=2)
        changed[:16, :80] = False  # the 'pred mesh' label
        assert changed.sum() > 200
        # the mesh lies where its vertices project (input camera, crop_K)
        vertices = predicted_crop_vertices(sample)
        uv = project_points(vertices, to_numpy(sample.crop_K))
        rows, cols = np.nonzero(changed)
        assert cols.min() >= np.floor(uv[:, 0].min()) - 1
        assert cols.max() <= np.ceil(uv[:, 0].max()) + 1
        assert rows.min() >= np.floor(uv[:, 1].min()) - 1
        assert rows.max() <= np.ceil(uv[:, 1].max()) + 1


def test_without_vertices_or_faces_the_pictures_are_unchanged(
        hamer, tmp_path):
    model, batch, outputs = hamer
    stripped = [s.clone() for s in outputs]
    for sample in stripped:
        del sample.pred_vertices
    behind = [s.clone() for s in outputs]
    for sample in behind:
        sample.pred_vertices[0, 2] = -1.0  # one vertex behind the camera
    cases = {'no_vertices': (model, stripped),
             'no_faces': (torch.nn.Linear(2, 2), outputs),
             'behind_camera': (model, behind)}
    for case, (runner_model, samples) in cases.items():
        pictures = _run_hook(runner_model, batch, samples, tmp_path / case)
        for image, sample in zip(batch['inputs'], samples):
            np.testing.assert_array_equal(pictures[_name(sample)],
                                          _skeleton_picture(image, sample))


def test_faces_are_found_through_wrappers(hamer):
    from egohands.models.tta.hand_flip_tta_model import HandFlipTTAModel
    model = hamer[0]
    faces = hand_mesh_faces(model)
    np.testing.assert_array_equal(faces, model.head.hand_model.faces)
    wrapped = SimpleNamespace(module=HandFlipTTAModel(module=model))
    np.testing.assert_array_equal(hand_mesh_faces(wrapped), faces)
    assert hand_mesh_faces(torch.nn.Linear(2, 2)) is None
    assert hand_mesh_faces(None) is None


def test_a_mirrored_left_hand_gets_the_same_mesh_panel(hamer):
    """A left hand is the mirror image of a right hand: both give the same
    network input, so the mesh, flipped back into the input camera, must
    cover the same crop pixels."""
    model = hamer[0]
    size = 160
    image = np.random.default_rng(0).integers(0, 120, (size, size, 3),
                                              dtype=np.uint8)
    K = np.array([[150.0, 0.0, 77.0], [0.0, 150.0, 83.0], [0.0, 0.0, 1.0]])
    box = [16.5, 16.5, 144.5, 144.5]  # side 128 = the crop: exact crops
    batch = unlabelled_batch([
        unlabelled_record(image, K, box, 'right'),
        unlabelled_record(np.ascontiguousarray(image[:, ::-1]),
                          flip_intrinsics(K, 'horizontal', size, size),
                          [size - 1 - box[2], box[1], size - 1 - box[0],
                           box[3]], 'left')])
    crops = batch['inputs']
    torch.testing.assert_close(crops[0], crops[1])
    with torch.no_grad():
        outputs = model.test_step(batch)
    assert [s.flip for s in outputs] == ['none', 'horizontal']
    hook, faces = HandVisualizationHook(enable=True), hand_mesh_faces(model)
    right, left = (hook.draw(crop, sample, faces)[:, CROP:]
                   for crop, sample in zip(crops, outputs))
    crop = _crop(crops[0])
    mesh_right = (right != crop).any(axis=2)
    assert mesh_right.sum() > 200
    assert ((left != crop).any(axis=2) != mesh_right).sum() <= 3
    assert np.abs(left.astype(int) - right.astype(int)).mean() < 0.5
