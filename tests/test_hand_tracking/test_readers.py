"""UmeTrack / HOT3D-Clips readers on tars written in the toolkit's layout."""
import json
import os
import tarfile

import numpy as np
import pytest

from egohands.datasets.hand_tracking import (HOT3DClipsDataset,
                                             LoadTarImage, UmeTrackDataset,
                                             multiview_groups)
from egohands.datasets.hand_tracking.parsing import hot3d_camera
from egohands.datasets.hand_tracking.tars import SequenceTar
from egohands.geometry.camera_models import (project_to_window,
                                             unproject_to_rays,
                                             world_to_camera)
from egohands.testing.hand_tracking import make_hand_tracking_tars
from egohands.utils.errors import (AnnotationError, ConfigError,
                                   DatasetNotFoundError)

SAMPLE = '/work/shared/reference/samples/hot3d/Quest3_P0002_273c2819'


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp('hand_tracking')
    make_hand_tracking_tars(str(root), 'train', num_sequences=2,
                            num_frames=3, hidden={1: ('left', )})
    make_hand_tracking_tars(str(root), 'pose_test', num_sequences=1,
                            num_frames=2, with_hands=False, seed=1)
    return str(root)


def test_one_sample_per_hand_per_view_with_the_toolkit_fields(root):
    dataset = UmeTrackDataset(data_root=root, split='train')
    # 2 sequences x (3 frames x 2 hands - 1 hidden) x 2 views
    assert len(dataset) == 2 * 5 * 2
    first = dataset[0]
    assert (first['sequence'], first['frame'], first['hand_side'],
            first['view']) == ('sequence_0000', 0, 'left', '1201-1')
    assert first['img_path'].endswith('.tar::000000.image_1201-1.jpg')
    assert first['camera_model']['kind'] == 'fisheye624'
    assert first['T_world_from_cam'].shape == (4, 4)
    assert first['mano_theta_valid'] == 1.0
    members = SequenceTar(os.path.join(root, 'train', 'sequence_0000.tar'))
    hands = json.loads(members.read_bytes('000000.hands.json'))
    np.testing.assert_allclose(first['mano_theta'],
                               hands['left']['mano_pose']['thetas'],
                               rtol=1e-6)
    shapes = json.loads(members.read_bytes('__hand_shapes.json__'))
    np.testing.assert_allclose(first['mano_betas'], shapes['mano'],
                               rtol=1e-6)
    cameras = json.loads(members.read_bytes('000000.cameras.json'))
    # metres in the file, mm in the sample
    np.testing.assert_allclose(
        first['T_world_from_cam'][:3, 3], 1000 * np.array(
            cameras['1201-1']['T_world_from_camera']['translation_xyz']),
        atol=1e-3)
    np.testing.assert_allclose(first['bbox'], [10, 12, 60, 70])


def test_multiview_groups_hold_the_views_of_one_hand(root):
    dataset = HOT3DClipsDataset(data_root=root, split='train')
    groups = dataset.multiview_groups()
    assert len(groups) == 2 * 5
    for group in groups:
        infos = [dataset.get_data_info(i) for i in group]
        assert [i['view'] for i in infos] == ['1201-1', '1201-2']
        assert len({(i['sequence'], i['frame'], i['hand_side'])
                    for i in infos}) == 1
    # frame 1 of each sequence shows the right hand only
    frame1 = [g for g in groups
              if dataset.get_data_info(g[0])['frame'] == 1]
    assert [dataset.get_data_info(g[0])['hand_side']
            for g in frame1] == ['right', 'right']
    assert multiview_groups([]) == []


def test_the_crop_camera_looks_at_the_wrist(root):
    dataset = UmeTrackDataset(data_root=root, split='train')
    info = dataset.get_data_info(0)
    members = SequenceTar(os.path.join(root, 'train', 'sequence_0000.tar'))
    wrist_m = json.loads(members.read_bytes('000000.hands.json'))['left'][
        'mano_pose']['wrist_xform'][3:]
    in_crop = world_to_camera(np.array([wrist_m]) * 1000,
                              info['crop_T_world_from_cam'].astype(float))
    np.testing.assert_allclose(in_crop[0, :2], 0, atol=1e-2)
    assert in_crop[0, 2] > 0


def test_pose_test_split_needs_test_mode_and_boxes_come_from_crops(root):
    with pytest.raises(ConfigError, match='no hands.json'):
        UmeTrackDataset(data_root=root, split='pose_test')
    dataset = UmeTrackDataset(data_root=root, split='pose_test',
                              test_mode=True)
    assert len(dataset) == 2 * 2 * 2
    box = dataset[0]['bbox']
    assert box[2] > box[0] and box[3] > box[1]
    assert dataset[0]['mano_theta_valid'] == 0.0


def test_every_n_frames_and_streams(root):
    assert len(UmeTrackDataset(data_root=root, split='train',
                               every_n_frames=2)) == 2 * 4 * 2
    assert len(UmeTrackDataset(data_root=root, split='train',
                               streams=['1201-2'])) == 2 * 5
    with pytest.raises(ConfigError, match="streams='rgb'"):
        UmeTrackDataset(data_root=root, split='train', streams='rgb')


def test_mano_joints_project_through_the_fisheye(root):
    hand_model = '/work/main/data/hand_models/synthetic'
    dataset = UmeTrackDataset(data_root=root, split='train',
                              hand_model=hand_model)
    info = dataset.get_data_info(0)
    assert info['joints_valid'].sum() == 21
    assert info['joints_3d'][:, 2].min() > 0
    rays = unproject_to_rays(info['keypoints_2d'].astype(np.float64),
                             _camera(info))
    directions = info['joints_3d'] / np.linalg.norm(
        info['joints_3d'], axis=-1, keepdims=True)
    visible = info['keypoints_2d_valid'] > 0
    assert visible.any()
    np.testing.assert_allclose(rays[visible], directions[visible],
                               atol=1e-4)


def _camera(info):
    from egohands.datasets.hand_tracking.dataset import camera_from_dict
    return camera_from_dict(info['camera_model'])


def test_load_tar_image(root):
    dataset = UmeTrackDataset(data_root=root, split='train',
                              pipeline=[LoadTarImage()])
    assert dataset[3]['img'].shape == (96, 128, 3)
    assert 'LoadTarImage' in repr(LoadTarImage())


def test_missing_data_names_the_path_and_where_to_get_it(tmp_path, root):
    with pytest.raises(DatasetNotFoundError) as err:
        HOT3DClipsDataset(data_root=str(tmp_path), split='test_aria')
    message = str(err.value)
    assert os.path.join(str(tmp_path), 'test_aria') in message
    assert 'bop-benchmark/hot3d' in message and '\n' not in message
    with pytest.raises(DatasetNotFoundError, match='no_such.tar'):
        UmeTrackDataset(data_root=root, split='train', sequences=['no_such'])


def test_malformed_member_names_tar_member_and_field(tmp_path):
    make_hand_tracking_tars(str(tmp_path), 'train', 1, 1)
    path = os.path.join(tmp_path, 'train', 'sequence_0000.tar')
    members = {}
    with tarfile.open(path) as tar:
        for m in tar.getmembers():
            members[m.name] = tar.extractfile(m).read()
    cameras = json.loads(members['000000.cameras.json'])
    cameras['1201-2']['calibration']['projection_params'] = [1.0, 2.0]
    members['000000.cameras.json'] = json.dumps(cameras).encode()
    from egohands.datasets.hand_tracking.tars import write_sequence_tar
    write_sequence_tar(path, members)
    with pytest.raises(AnnotationError) as err:
        UmeTrackDataset(data_root=str(tmp_path), split='train')
    assert 'sequence_0000.tar:000000.cameras.json' in str(err.value)
    assert "'calibration.projection_params'" in str(err.value)


@pytest.mark.skipif(not os.path.isdir(SAMPLE), reason='shared HOT3D sample '
                    'is not on this machine')
def test_the_hot3d_sample_cameras_load_and_round_trip():
    with open(os.path.join(SAMPLE, 'camera_models.json')) as f:
        entries = json.load(f)
    cameras = dict(hot3d_camera(e, None, 'camera_models.json')
                   for e in entries)
    assert set(cameras) == {'1201-1', '1201-2'}
    left = cameras['1201-1']
    assert left.kind == 'fisheye624' and left.width == 1280
    assert left.focal[0] == pytest.approx(504.5934753417969)
    rng = np.random.default_rng(0)
    pixels = rng.uniform([100, 100], [1180, 924], (100, 2))
    np.testing.assert_allclose(
        project_to_window(unproject_to_rays(pixels, left), left), pixels,
        atol=1e-5)
