"""Readers of official formats: ARCTIC, AssemblyHands, H2O, EPIC-HandKps,
FreiHAND.

Each test writes small files in the dataset's own layout with values that
say where they come from (joint k of the source order holds k), so the
expected canonical records are worked out by hand from the reference
mappings (shared/reference/datasets.md section 1). The real public samples
of ``tests/fixtures/official_samples`` are loaded too.
"""
import json
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from egohands.datasets.assemblyhands_dataset import read_nimble_calibration
from egohands.datasets.metainfo import JOINT_NAMES
from egohands.registry import DATASETS
from egohands.utils.errors import AnnotationError, DatasetNotFoundError

SAMPLES = Path(__file__).resolve().parents[1] / 'fixtures' / \
    'official_samples'


@pytest.fixture(scope='module')
def mano_dir(tmp_path_factory):
    """MANO-format files with the right shapes (zeros) and a known
    ``hands_mean`` per side: all the readers take from them."""
    from egohands.hand_models.mano_files import REQUIRED_SHAPES
    from egohands.hand_models.mano_layout import MANO_FILE_NAMES
    folder = tmp_path_factory.mktemp('mano_shapes')
    for index, (side, name) in enumerate(MANO_FILE_NAMES.items()):
        data = {key: np.zeros([10 if s is None else s for s in shape])
                for key, shape in REQUIRED_SHAPES.items()}
        data['hands_mean'] = np.linspace(-0.3, 0.4, 45) * (index + 1)
        with open(folder / name, 'wb') as f:
            pickle.dump(data, f)
    return folder


def hands_mean(folder, side):
    from egohands.hand_models.mano_files import load_mano_data
    return load_mano_data(str(folder), side)['hands_mean']


def by_side(dataset):
    return {dataset[i]['hand_side']: dataset[i] for i in range(len(dataset))}


# -- ARCTIC ---------------------------------------------------------------
def write_arctic(root, left_valid=0):
    frames, views = 3, 10
    joints = np.zeros((frames, views, 21, 3))
    k = np.arange(21)
    joints[1, 0] = np.stack([k, 2 * k, 500 + k], -1) / 1000.0  # metres
    two_d = np.zeros((frames, views, 21, 2))
    two_d[1, 0] = np.stack([100 + k, 200 + k], -1)
    left_flags = np.ones((frames, views))
    left_flags[1, 0] = left_valid
    K = np.array([[600.0, 0, 1400], [0, 600, 1000], [0, 0, 1]])
    seq = {
        'cam_coord': {'joints.right': joints, 'joints.left': joints + 0.1,
                      'right_valid': np.ones((frames, views)),
                      'left_valid': left_flags,
                      'is_valid': np.ones((frames, views)),
                      'rot_r_cam': np.full((frames, views, 3), 0.5),
                      'rot_l_cam': np.full((frames, views, 3), -0.5)},
        '2d': {'joints.right': two_d, 'joints.left': two_d + 5},
        'params': {'K_ego': np.repeat(K[None], frames, 0),
                   'pose_r': np.full((frames, 45), 0.01),
                   'pose_l': np.full((frames, 45), -0.01),
                   'shape_r': np.full((frames, 10), 0.2),
                   'shape_l': np.full((frames, 10), -0.2)}}
    (root / 'splits').mkdir(parents=True)
    (root / 'meta').mkdir()
    prefix = './data/arctic_data/data/cropped_images/s05/box_use_01'
    np.save(root / 'splits' / 'p2_val.npy', {
        'data_dict': {'s05/box_use_01': seq},
        'imgnames': [f'{prefix}/0/00011.jpg', f'{prefix}/3/00011.jpg']})
    (root / 'meta' / 'misc.json').write_text(json.dumps(
        {'s05': {'ioi_offset': 10, 'image_size': [[2800, 2000]] * 10}}))


def test_arctic_egocentric_record_hand_worked(tmp_path):
    write_arctic(tmp_path)
    dataset = DATASETS.build(dict(type='ArcticEgoDataset',
                                  data_root=str(tmp_path), split='val'))
    hands = by_side(dataset)
    assert list(hands) == ['right']  # left invalid, the view-3 name skipped
    right = hands['right']
    # MANO+tips order: canonical thumb1 = source 13, thumb tip = 16,
    # index1 = 1, pinky tip = 20 (datasets.md section 1); frame 11 - 10 = 1
    for canonical, source in ((0, 0), (1, 13), (4, 16), (5, 1), (20, 20)):
        np.testing.assert_allclose(right['joints_3d'][canonical],
                                   [source, 2 * source, 500 + source],
                                   atol=1e-3)
        np.testing.assert_allclose(right['keypoints_2d'][canonical],
                                   [100 + source, 200 + source], atol=1e-4)
    assert right['joints_valid'].sum() == 21
    assert right['img_shape'] == (2000, 2800)
    assert right['img_path'].endswith('images/s05/box_use_01/0/00011.jpg')
    assert right['frame'] == 11 and right['sequence'] == 's05/box_use_01'
    assert right['K'][0, 0] == 600.0 and right['mano_valid'] == 0.0
    x0, y0, x1, y1 = right['bbox']
    assert x0 < 100 and y0 < 200 and x1 > 120 and y1 > 220


def test_arctic_mano_pose_becomes_flat_hand_relative(tmp_path, mano_dir):
    write_arctic(tmp_path, left_valid=1)
    dataset = DATASETS.build(dict(type='ArcticEgoDataset',
                                  data_root=str(tmp_path),
                                  mano_model_path=str(mano_dir)))
    hands = by_side(dataset)
    assert set(hands) == {'left', 'right'}
    for side, orient, finger in (('right', 0.5, 0.01), ('left', -0.5,
                                                        -0.01)):
        pose = hands[side]['mano_pose']
        np.testing.assert_allclose(pose[:3], orient, atol=1e-6)
        np.testing.assert_allclose(
            pose[3:], finger + hands_mean(mano_dir, side), atol=1e-5)
        assert hands[side]['mano_valid'] == 1.0


def test_arctic_frame_outside_the_sequence_is_one_line(tmp_path):
    write_arctic(tmp_path)
    (tmp_path / 'meta' / 'misc.json').write_text(json.dumps(
        {'s05': {'ioi_offset': -5, 'image_size': [[2800, 2000]] * 10}}))
    with pytest.raises(AnnotationError, match='outside the sequence') as err:
        DATASETS.build(dict(type='ArcticEgoDataset',
                            data_root=str(tmp_path)))
    assert '\n' not in str(err.value) and 'p2_val.npy' in str(err.value)


def test_object_npy_refuses_a_pickled_callable(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ('true', ))

    (tmp_path / 'splits').mkdir()
    np.save(tmp_path / 'splits' / 'p2_val.npy', {'data_dict': Evil()},
            allow_pickle=True)
    with pytest.raises(AnnotationError, match='does not trust'):
        DATASETS.build(dict(type='ArcticEgoDataset',
                            data_root=str(tmp_path)))


# -- AssemblyHands -----------------------------------------------------------
ROT_Z90 = np.array([[0.0, -1, 0], [1, 0, 0], [0, 0, 1]])
T_MM = np.array([10.0, 20.0, 30.0])
K_EGO = np.array([[500.0, 0, 320], [0, 500, 240], [0, 0, 1]])


def write_assemblyhands(root, split='val'):
    folder = root / 'annotations' / split
    folder.mkdir(parents=True)
    seq, cam = 'nusar-2021_action_both_9081-c11b', 'HMC_21179183'
    valid = [1] * 42
    valid[5] = 0  # r_index3
    data = {'images': [{'id': 7, 'file_name': f'ego_images_rectified/{split}'
                        f'/{seq}/{cam}_mono10bit/000554.jpg',
                        'width': 636, 'height': 480, 'seq_name': seq,
                        'camera': cam, 'frame_idx': 554}],
            'annotations': [{'id': 1, 'image_id': 7,
                             'bbox': {'right': [100, 110, 200, 220],
                                      'left': [300, 90, 380, 200]},
                             'joint_valid': [[v] for v in valid]}]}
    world = [[j, 0.0, 1000.0] for j in range(42)]
    joints = {'annotations': {seq: {'000554': {'world_coord': world,
                                               'joint_valid': valid}}}}
    Rt = np.concatenate([ROT_Z90, T_MM[:, None]], 1)
    calib = {'calibration': {seq: {
        'intrinsics': {f'{cam}_mono10bit': K_EGO.tolist()},
        'extrinsics': {'000554': {f'{cam}_mono10bit': Rt.tolist()}}}}}
    for kind, content in (('ego_data', data), ('joint_3d', joints),
                          ('ego_calib', calib)):
        (folder / f'assemblyhands_{split}_{kind}_v1-1.json').write_text(
            json.dumps(content))


def test_assemblyhands_record_hand_worked(tmp_path):
    write_assemblyhands(tmp_path)
    hands = by_side(DATASETS.build(dict(type='AssemblyHandsEgoDataset',
                                        data_root=str(tmp_path))))
    # world joint j = (j, 0, 1000) mm; camera = Rz90 X + t = (10, 20 + j,
    # 1030); right: canonical wrist = source 20, thumb1 = 3, index1 = 7,
    # index3 = 5, thumb tip = 0; left = the same + 21
    for side, offset in (('right', 0), ('left', 21)):
        hand = hands[side]
        for canonical, source in ((0, 20), (1, 3), (4, 0), (5, 7), (7, 5),
                                  (17, 19), (20, 16)):
            j = source + offset
            flagged = side == 'right' and source == 5  # invalid: zeros
            np.testing.assert_allclose(
                hand['joints_3d'][canonical],
                [0, 0, 0] if flagged else [10, 20 + j, 1030], atol=1e-3)
            np.testing.assert_allclose(
                hand['keypoints_2d'][canonical],
                [500 * 10 / 1030 + 320, 500 * (20 + j) / 1030 + 240],
                atol=1e-3)
    assert hands['right']['joints_valid'][7] == 0  # r_index3 flagged
    assert hands['right']['joints_valid'].sum() == 20
    assert hands['left']['joints_valid'].sum() == 21
    np.testing.assert_allclose(hands['right']['bbox'], [100, 110, 200, 220])
    assert hands['left']['img_path'].endswith(
        'images/ego_images_rectified/val/nusar-2021_action_both_9081-c11b/'
        'HMC_21179183_mono10bit/000554.jpg')
    assert hands['left']['frame'] == 554


def test_assemblyhands_real_nimble_calibration_loads():
    cameras = read_nimble_calibration(str(
        SAMPLES / 'assemblyhands_nimble_calib_nusar-2021_action_both_9081'
        '-c11b.json'))
    assert len(cameras) == 12
    models = [c.distortion_model for c in cameras.values()]
    assert models.count('OpenCV') == 8 and models.count('OVFishEye62') == 4
    ego = [c for c in cameras.values() if c.distortion_model ==
           'OVFishEye62']
    assert all(c.serial.endswith('_mono10bit') and c.image_size ==
               (636, 480) for c in ego)
    assert '21176875_mono10bit' in cameras  # one of the README's HMC ids
    exo = cameras['C10095_rgb']
    np.testing.assert_allclose(exo.K[0, 0], 1190.7750489943835)
    np.testing.assert_allclose(exo.K[1, 2], 531.321010934518)
    assert exo.distortion[0] == pytest.approx(-0.129147177979677)
    for camera in cameras.values():
        R = camera.T_cam_from_world[:3, :3]
        np.testing.assert_allclose(R @ R.T, np.eye(3), atol=1e-6)
        assert np.linalg.det(R) == pytest.approx(1.0, abs=1e-6)
        # translations in mm: the cameras are within a few metres
        assert np.linalg.norm(camera.T_cam_from_world[:3, 3]) < 5000


# -- H2O --------------------------------------------------------------------
H2O_K = (636.6593017578125, 636.251953125, 635.283881879317,
         366.8740353496978)


def h2o_joints_m(frame):
    k = np.arange(21)
    return np.stack([0.01 * k, 0.02 + 0 * k, 0.5 + 0.001 * k + frame * 1e-4],
                    -1)


def write_h2o_frames(root, lines, right_flag=1):
    for line in lines:
        subject, scene, seq, cam, _, image = line.split('/')
        folder = root / subject / scene / seq / cam
        frame = int(image.split('.')[0])
        (folder / 'hand_pose').mkdir(parents=True, exist_ok=True)
        (folder / 'hand_pose_MANO').mkdir(exist_ok=True)
        (folder / 'cam_intrinsics.txt').write_text(
            ' '.join(str(v) for v in H2O_K) + ' 1280 720\n')
        left = np.concatenate([[1], h2o_joints_m(frame).ravel()])
        right = np.concatenate([[right_flag],
                                (h2o_joints_m(frame) + [0.1, 0, 0]).ravel()])
        (folder / 'hand_pose' / f'{frame:06d}.txt').write_text(
            ' '.join(f'{v:.6f}' for v in np.concatenate([left, right])))
        mano_left = np.concatenate([[1], [0.01, 0.02, 0.4], np.full(48, 0.1),
                                    np.full(10, 0.3)])
        mano_right = np.zeros(62)
        (folder / 'hand_pose_MANO' / f'{frame:06d}.txt').write_text(
            ' '.join(f'{v:.6f}' for v in np.concatenate([mano_left,
                                                         mano_right])))


def test_h2o_record_hand_worked(tmp_path):
    lines = ['subject3/k2/0/cam4/rgb/000020.png']
    (tmp_path / 'pose_lists').mkdir()
    (tmp_path / 'pose_lists' / 'pose_val.txt').write_text('\n'.join(lines))
    write_h2o_frames(tmp_path, lines, right_flag=0)
    hands = by_side(DATASETS.build(dict(type='H2OHandDataset',
                                        data_root=str(tmp_path))))
    assert list(hands) == ['left']  # the right hand is not annotated
    left = hands['left']
    joints_mm = h2o_joints_m(20) * 1000
    np.testing.assert_allclose(left['joints_3d'], joints_mm, atol=1e-2)
    fx, fy, cx, cy = H2O_K
    # H2O is in OpenPose order = canonical: joint 8 (index tip) stays 8
    x, y, z = joints_mm[8]
    np.testing.assert_allclose(left['keypoints_2d'][8],
                               [fx * x / z + cx, fy * y / z + cy], atol=1e-2)
    assert left['img_shape'] == (720, 1280) and left['view'] == 'cam4'
    assert left['mano_valid'] == 1.0
    np.testing.assert_allclose(left['mano_transl'], [0.01, 0.02, 0.4])
    np.testing.assert_allclose(left['mano_pose'], 0.1)
    np.testing.assert_allclose(left['mano_betas'], 0.3)


def test_h2o_real_pose_list_loads(tmp_path):
    lines = (SAMPLES / 'h2o_pose_val.HEAD20.txt').read_text().split()
    assert len(lines) == 20
    (tmp_path / 'pose_lists').mkdir()
    (tmp_path / 'pose_lists' / 'pose_val.txt').write_bytes(
        (SAMPLES / 'h2o_pose_val.HEAD20.txt').read_bytes())
    write_h2o_frames(tmp_path, lines)
    dataset = DATASETS.build(dict(type='H2OHandDataset',
                                  data_root=str(tmp_path)))
    assert len(dataset) == 40
    frames = [int(line.split('/')[-1][:6]) for line in lines]
    assert [dataset[i]['frame'] for i in range(0, 40, 2)] == frames
    assert [dataset[i]['hand_side'] for i in range(2)] == ['left', 'right']
    first = dataset[0]
    assert first['sequence'] == 'subject3/k2/0'
    assert first['img_path'].endswith('subject3/k2/0/cam4/rgb/000020.png')
    np.testing.assert_allclose(dataset[1]['joints_3d'][0],
                               [100.0, 20.0, 500 + 20 * 0.1], atol=1e-2)


# -- EPIC-HandKps ---------------------------------------------------------
def test_epic_handkps_record_hand_worked(tmp_path):
    key = ('/home/someone/visor/rgb_frames/train/P01/P01_01/'
           'P01_01_frame_0000000100.jpg')
    k = np.arange(21)
    right_valid = np.ones(21)
    right_valid[0] = 0  # thumb tip in AssemblyHands order
    content = {key: {'right': {'joints': np.stack([10 + k, 20 + k], -1),
                               'joints_valid': right_valid.tolist(),
                               'bbox': [0, 0, 1919, 1079]},
                     'left': {'joints': np.zeros((21, 2)).tolist(),
                              'joints_valid': [0] * 21, 'bbox': None}}}
    with open(tmp_path / 'hands_5000.pkl', 'wb') as f:
        pickle.dump(content, f)
    dataset = DATASETS.build(dict(
        type='EPICHandKpsDataset', data_root=str(tmp_path),
        data_prefix=dict(img='frames')))
    assert len(dataset) == 1  # the left hand has no valid keypoint
    hand = dataset[0]
    # canonical wrist = source 20, thumb tip = 0 (invalid), index1 = 7
    np.testing.assert_allclose(hand['keypoints_2d'][0], [30, 40])
    np.testing.assert_allclose(hand['keypoints_2d'][5], [17, 27])
    assert hand['keypoints_2d_valid'][4] == 0
    assert hand['keypoints_2d_valid'].sum() == 20
    assert hand['joints_valid'].sum() == 0 and hand['mano_valid'] == 0
    assert hand['img_path'] == os.path.join(
        str(tmp_path), 'frames', 'train', 'P01', 'P01_01',
        'P01_01_frame_0000000100.jpg')
    assert hand['img_shape'] == (1080, 1920)
    np.testing.assert_allclose(hand['K'][:2, 2], [960, 540])
    x0, y0, x1, y1 = hand['bbox']  # around the keypoints, not the arm box
    assert 0 < x0 < 11 and x1 < 60


# -- FreiHAND ---------------------------------------------------------------
def write_freihand(root, count=2):
    rng = np.random.default_rng(0)
    K = [[[480.0 + i, 0, 112], [0, 481.0, 113], [0, 0, 1]]
         for i in range(count)]
    xyz = [(rng.normal(0, 0.03, (21, 3)) + [0, 0, 0.6]).tolist()
           for _ in range(count)]
    mano = [[list(np.full(48, 0.05)) + list(np.full(10, 0.4)) +
             [100.0, 110.0, 0.5]] for _ in range(count)]
    verts = [(np.arange(778 * 3).reshape(778, 3) * 1e-4 + i).tolist()
             for i in range(count)]
    for name, content in (('K', K), ('xyz', xyz), ('mano', mano),
                          ('verts', verts)):
        (root / f'training_{name}.json').write_text(json.dumps(content))
    return K, xyz


def test_freihand_record_hand_worked(tmp_path):
    K, xyz = write_freihand(tmp_path)
    dataset = DATASETS.build(dict(type='FreiHANDDataset',
                                  data_root=str(tmp_path),
                                  versions=['gs', 'hom']))
    assert len(dataset) == 4
    # image id = annotation index + 32560-style count * version index
    assert [dataset[i]['img_id'] for i in range(4)] == [0, 2, 1, 3]
    hand = dataset[1]  # annotation 0, 'hom'
    assert hand['img_path'].endswith('training/rgb/00000002.jpg')
    joints = np.asarray(xyz[0]) * 1000
    np.testing.assert_allclose(hand['joints_3d'], joints, atol=1e-3)
    x, y, z = joints[12]
    np.testing.assert_allclose(hand['keypoints_2d'][12],
                               [480 * x / z + 112, 481 * y / z + 113],
                               atol=1e-3)
    assert hand['hand_side'] == 'right' and hand['mano_valid'] == 0.0
    np.testing.assert_allclose(hand['mano_betas'], 0.4)
    assert 'vertices' not in hand  # the large file is read on request
    with_vertices = DATASETS.build(dict(type='FreiHANDDataset',
                                        data_root=str(tmp_path),
                                        with_vertices=True))
    vertices = with_vertices[1]['vertices']  # annotation 1, metres -> mm
    assert vertices.shape == (778, 3)
    np.testing.assert_allclose(vertices[10], [3.0 + 1000, 3.1 + 1000,
                                              3.2 + 1000], atol=1e-3)


def test_freihand_mano_with_the_hand_model(tmp_path, mano_dir):
    write_freihand(tmp_path, count=1)
    hand = DATASETS.build(dict(type='FreiHANDDataset',
                               data_root=str(tmp_path),
                               mano_model_path=str(mano_dir)))[0]
    assert hand['mano_valid'] == 1.0
    np.testing.assert_allclose(hand['mano_pose'][:3], 0.05, atol=1e-6)
    np.testing.assert_allclose(
        hand['mano_pose'][3:], 0.05 + hands_mean(mano_dir, 'right'),
        atol=1e-5)


def test_freihand_real_mmpose_coco_file_loads():
    path = SAMPLES / 'mmpose_test_freihand.json'
    content = json.loads(path.read_text())
    # the file's names map one to one onto the canonical order
    names = [n.replace('forefinger', 'index').replace('_finger', '')
             for n in content['categories'][0]['keypoints']]
    assert names == list(JOINT_NAMES)
    dataset = DATASETS.build(dict(type='FreiHANDDataset',
                                  ann_format='mmpose_coco',
                                  ann_file=str(path), data_root=str(SAMPLES),
                                  data_prefix=dict(img='rgb')))
    assert len(dataset) == len(content['annotations']) == 8
    for i, record in enumerate(content['annotations']):
        hand = dataset[i]
        keypoints = np.asarray(record['keypoints']).reshape(21, 3)
        np.testing.assert_allclose(hand['keypoints_2d'], keypoints[:, :2],
                                   atol=1e-4)
        x, y, w, h = record['bbox']
        np.testing.assert_allclose(hand['bbox'], [x, y, x + w, y + h])
        assert hand['img_shape'] == (224, 224)


# -- every reader: a dataset that is not on disk is one line -------------
@pytest.mark.parametrize('cfg, url', [
    (dict(type='ArcticEgoDataset'), 'arctic.is.tue.mpg.de'),
    (dict(type='AssemblyHandsEgoDataset'), 'assemblyhands-toolkit'),
    (dict(type='H2OHandDataset'), 'h2odataset.ethz.ch'),
    (dict(type='EPICHandKpsDataset'), 'ap229997/hands'),
    (dict(type='FreiHANDDataset'), 'lmb.informatik.uni-freiburg.de'),
])
def test_missing_dataset_is_one_line_with_path_and_url(tmp_path, cfg, url):
    root = str(tmp_path / 'not_here')
    with pytest.raises(DatasetNotFoundError) as err:
        DATASETS.build(dict(cfg, data_root=root))
    message = str(err.value)
    assert '\n' not in message and root in message and url in message


def test_a_present_root_missing_one_file_names_that_file(tmp_path):
    write_assemblyhands(tmp_path)
    missing = tmp_path / 'annotations' / 'val' / \
        'assemblyhands_val_ego_calib_v1-1.json'
    missing.unlink()
    with pytest.raises(DatasetNotFoundError) as err:
        DATASETS.build(dict(type='AssemblyHandsEgoDataset',
                            data_root=str(tmp_path)))
    assert str(missing) in str(err.value) and '\n' not in str(err.value)
