"""Multi-view samples: grouping, perspective crops, masks, extrinsics."""
import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate

from egohands.registry import DATASETS, MODELS
from egohands.utils.errors import AnnotationError, ConfigError

from .rig_files import SIZE, hand_joints_world, world_from_cam, write_rig

CROP = 32


@pytest.fixture(scope='module')
def rig_root(tmp_path_factory):
    return write_rig(str(tmp_path_factory.mktemp('rig')))


def pipeline(noise=None):
    steps = [dict(type='LoadMultiViewImages'),
             dict(type='MultiViewPerspectiveCrop', crop_size=CROP)]
    if noise:
        steps.append(dict(type='MultiViewExtrinsicNoise', **noise))
    return steps + [dict(type='PackMultiViewInputs')]


def build(rig_root, **kwargs):
    kwargs.setdefault('pipeline', pipeline())
    return DATASETS.build(dict(
        type='MultiViewDataset', dataset=dict(
            type='EgoHandsCocoDataset', data_root=rig_root,
            ann_file='annotations/train.json'), **kwargs))


def by_key(dataset):
    return {(dataset.get_data_info(i)['frame'],
             dataset.get_data_info(i)['hand_side']): dataset[i]
            for i in range(len(dataset))}


def test_views_of_one_hand_and_time_are_grouped(rig_root):
    dataset = build(rig_root, pipeline=[])
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    keys = [(info['frame'], info['hand_side']) for info in infos]
    assert keys == [(0, 'right'), (0, 'left'), (1, 'right'), (2, 'right'),
                    (3, 'right')]
    present = [[v is not None for v in info['views']] for info in infos]
    assert present == [[True, True], [False, True], [True, False],
                       [True, True], [True, True]]
    assert [v['view'] for v in infos[0]['views']] == [0, 1]
    assert len(build(rig_root, pipeline=[], min_views=2)) == 3
    one_view = build(rig_root, pipeline=[], views=(0, ))
    assert len(one_view) == 4  # the left hand is only in view 1
    assert all(len(one_view.get_data_info(i)['views']) == 1
               for i in range(4))
    assert len(build(rig_root, pipeline=[], hand_sides=('left', ))) == 1
    with pytest.raises(ConfigError, match=r'no hand .* in at least 1 of '
                       r'the views \[7\]; check views'):
        build(rig_root, pipeline=[], views=(7, ))


def test_missing_and_out_of_frame_views_are_masked(rig_root):
    samples = by_key(build(rig_root))
    masks = {key: list(s['data_samples'].view_mask)
             for key, s in samples.items()}
    assert masks == {(0, 'right'): [1, 1], (0, 'left'): [0, 1],
                     (1, 'right'): [1, 0], (2, 'right'): [1, 0],
                     (3, 'right'): [0, 1]}
    for key, sample in samples.items():
        inputs = sample['inputs']
        assert tuple(inputs.shape) == (2, 3, CROP, CROP)
        for view, flag in enumerate(masks[key]):
            assert (inputs[view].max() > 0) == bool(flag)
        data = sample['data_samples']
        assert data.reference_view == masks[key].index(1)
        valid = data.gt_view_keypoints_2d_valid
        assert valid[torch.tensor(masks[key]) == 0].sum() == 0


def test_targets_and_crop_poses_agree_in_the_reference_frame(rig_root):
    """Every present view's crop-frame joints, moved by T_ref_from_crop,
    land on the reference-frame target; the target is the world hand seen
    from the reference camera."""
    for (frame, side), sample in by_key(build(rig_root)).items():
        data = sample['data_samples']
        ref = data.reference_view
        world = hand_joints_world(frame, side)
        cam = (world - world_from_cam(ref)[:3, 3]) @ \
            world_from_cam(ref)[:3, :3]
        np.testing.assert_allclose(data.gt_joints_3d.numpy(), cam, atol=1e-2)
        for view in np.flatnonzero(data.view_mask):
            transform = data.T_ref_from_crop[view].astype(np.float64)
            crop_m = data.gt_view_joints_3d[view].double().numpy() / 1000.0
            moved = crop_m @ transform[:3, :3].T + transform[:3, 3]
            np.testing.assert_allclose(moved * 1000.0, cam, atol=0.05)
            # the crop keypoints are the crop camera's projections, inside
            uv = data.gt_view_keypoints_2d[view].numpy()
            K = data.crop_K[view]
            local = data.gt_view_joints_3d[view].numpy()
            np.testing.assert_allclose(
                local[:, :2] / local[:, 2:] * K[0, 0] + K[:2, 2], uv,
                atol=1e-3)
            assert uv.min() > -0.5 and uv.max() < CROP - 0.5
        np.testing.assert_allclose(data.T_world_from_ref,
                                   world_from_cam(ref), atol=1e-4)


def test_extrinsic_noise_moves_only_the_other_views_crop_poses(rig_root):
    np.random.seed(0)
    clean = build(rig_root)[0]['data_samples']
    np.random.seed(0)
    noisy = build(rig_root, pipeline=pipeline(
        dict(translation_m=0.05)))[0]['data_samples']
    np.testing.assert_allclose(noisy.T_ref_from_crop[0],
                               clean.T_ref_from_crop[0], atol=1e-7)
    shift = noisy.T_ref_from_crop[1, :3, 3] - clean.T_ref_from_crop[1, :3, 3]
    assert 0 < np.abs(shift).max() <= 0.05
    np.testing.assert_allclose(noisy.T_ref_from_crop[1, :3, :3],
                               clean.T_ref_from_crop[1, :3, :3], atol=1e-7)
    torch.testing.assert_close(noisy.gt_joints_3d, clean.gt_joints_3d)


def test_crop_jitter_changes_the_crop_camera_not_the_geometry(rig_root):
    np.random.seed(1)
    dataset = build(rig_root, pipeline=[
        dict(type='LoadMultiViewImages'),
        dict(type='MultiViewPerspectiveCrop', crop_size=CROP,
             rotation_jitter_deg=10.0, fov_jitter=0.3),
        dict(type='PackMultiViewInputs')])
    plain = build(rig_root)[0]['data_samples']
    jittered = dataset[0]['data_samples']
    assert not np.allclose(jittered.crop_K, plain.crop_K)
    assert not np.allclose(jittered.T_ref_from_crop, plain.T_ref_from_crop)
    transform = jittered.T_ref_from_crop[1].astype(np.float64)
    crop_m = jittered.gt_view_joints_3d[1].double().numpy() / 1000.0
    np.testing.assert_allclose(
        (crop_m @ transform[:3, :3].T + transform[:3, 3]) * 1000.0,
        jittered.gt_joints_3d.numpy(), atol=0.05)


def test_collate_stacks_views_with_their_mask(rig_root):
    dataset = build(rig_root)
    batch = pseudo_collate([dataset[i] for i in range(3)])
    preprocessor = MODELS.build(dict(type='MultiViewDataPreprocessor',
                                     mean=[127.5] * 3, std=[64.0] * 3,
                                     bgr_to_rgb=True))
    data = preprocessor(batch)
    assert tuple(data['inputs'].shape) == (3, 2, 3, CROP, CROP)
    raw = batch['inputs'][1][1].float()
    torch.testing.assert_close(data['inputs'][1, 1],
                               (raw.flip(0) - 127.5) / 64.0)
    masks = np.stack([s.view_mask for s in data['data_samples']])
    np.testing.assert_array_equal(masks, [[1, 1], [0, 1], [1, 0]])


def test_a_record_without_rig_fields_names_the_file_and_record(tmp_path):
    import json
    root = write_rig(str(tmp_path))
    path = tmp_path / 'annotations' / 'train.json'
    content = json.loads(path.read_text())
    del content['images'][2]['T_world_from_cam']
    path.write_text(json.dumps(content))
    with pytest.raises(AnnotationError, match=r"train.json: annotation id "
                       r"4: its image has no 'T_world_from_cam'"):
        build(root)
    with pytest.raises(ConfigError, match='views must be distinct'):
        build(root, views=(0, 0))


def test_a_single_view_dataset_is_refused_by_the_transforms(rig_root):
    from egohands.registry import TRANSFORMS
    crop = TRANSFORMS.build(dict(type='MultiViewPerspectiveCrop'))
    with pytest.raises(ConfigError, match="type='MultiViewDataset'"):
        crop(dict(img=np.zeros((4, 4, 3), np.uint8)))


def test_dump_records_carry_each_views_crop_camera(rig_root):
    """A dumped multi-view prediction: its joints are in the reference
    camera (``T_world_from_cam``), and each present view's 2D keypoints are
    the world joints seen through that view's crop camera."""
    from egohands.engine.hooks.prediction_dump_hook import hand_record
    dataset = build(rig_root)
    for index in range(len(dataset)):
        sample = dataset[index]['data_samples']
        sample.set_data(dict(
            pred_joints_3d=sample.gt_joints_3d, pred_joints_absolute=True,
            pred_view_keypoints_2d=sample.gt_view_keypoints_2d))
        record = hand_record(sample)
        info = dataset.get_data_info(index)
        world = hand_joints_world(info['frame'], info['hand_side'])
        pose = record['T_world_from_cam'].astype(np.float64)
        np.testing.assert_allclose(
            record['pred_joints_3d'] @ pose[:3, :3].T + pose[:3, 3], world,
            atol=1e-2)  # mm, float32 targets
        for slot in np.flatnonzero(record['view_mask']):
            cam_from_world = np.linalg.inv(
                record['T_world_from_view'][slot].astype(np.float64))
            local = world @ cam_from_world[:3, :3].T + cam_from_world[:3, 3]
            uvw = local @ record['view_K'][slot].astype(np.float64).T
            np.testing.assert_allclose(
                uvw[:, :2] / uvw[:, 2:],
                record['pred_view_keypoints_2d'][slot], atol=1e-2)  # px
        assert record['view_mask'].tolist() == \
            sample.view_mask.tolist()


def test_mean_pose_baselines_read_the_first_views_joints(rig_root):
    """``dataset_joints`` (tools/report.py's baselines) reads each sample's
    first annotated view's joints, in that view's camera, mm."""
    from egohands.codecs import dataset_joints
    dataset = build(rig_root, pipeline=[])
    joints, valid, sides = dataset_joints(dataset)
    assert sides == ['right', 'left', 'right', 'right', 'right']
    first_views = [0, 1, 0, 0, 0]
    for index, view in enumerate(first_views):
        info = dataset.get_data_info(index)
        world = hand_joints_world(info['frame'], info['hand_side'])
        pose = world_from_cam(view)
        expected = (world - pose[:3, 3]) @ pose[:3, :3]
        if info['frame'] == 3:
            expected[4, 2] = -5.0  # the record's joint behind its camera
        np.testing.assert_allclose(joints[index], expected, atol=1e-3)
    assert valid.shape == (5, 21)
