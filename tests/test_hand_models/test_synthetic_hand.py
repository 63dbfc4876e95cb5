"""The synthetic MANO-format hand: file format, mesh, anatomy, rig."""
import numpy as np
import pytest
import torch
from scipy.spatial import ConvexHull
from scipy.spatial.transform import Rotation

from egohands.hand_models.mano_layout import (FINGERTIP_VERTEX_IDS,
                                              MANO_FINGER_JOINTS,
                                              MANO_PARENTS)
from egohands.hand_models.pose_prior import joint_frames

LONG_FINGERS = ('index', 'middle', 'ring', 'pinky')
MIRROR = np.array([-1.0, 1.0, 1.0])
AA_MIRROR = np.tile([1.0, -1.0, -1.0], 15)


def _rest_joints(data, betas=None):
    v = data['v_template']
    if betas is not None:
        v = v + data['shapedirs'] @ betas
    return v, data['J_regressor'] @ v


def test_smplx_loads_both_synthetic_files(smplx_mano):
    for side in ('right', 'left'):
        out = smplx_mano(side, use_pca=False)()
        assert out.vertices.shape == (1, 778, 3)
        assert out.joints.shape == (1, 16, 3)
        pca = smplx_mano(side, use_pca=True, num_pca_comps=15,
                         flat_hand_mean=False)
        assert pca.hand_pose.shape == (1, 15)
        assert torch.isfinite(pca().vertices).all()


def test_files_hold_plain_arrays_with_mano_shapes(model_data):
    shapes = {'v_template': (778, 3), 'shapedirs': (778, 3, 10),
              'posedirs': (778, 3, 135), 'J_regressor': (16, 778),
              'weights': (778, 16), 'kintree_table': (2, 16),
              'hands_components': (45, 45), 'hands_mean': (45, ),
              'J': (16, 3)}
    for data in model_data.values():
        for key, shape in shapes.items():
            assert type(data[key]) is np.ndarray, key
            assert data[key].shape == shape, key
        assert data['f'].dtype.kind in 'iu' and data['f'].shape[1] == 3
        assert 1500 <= len(data['f']) <= 1560  # MANO has 1538
        parents = data['kintree_table'][0].astype(np.int64)
        parents[0] = -1
        assert tuple(parents) == MANO_PARENTS
        assert 'NOT the MANO model' in data['egohands_description']


@pytest.mark.parametrize('side', ['right', 'left'])
def test_mesh_is_closed_consistently_wound_and_outward(model_data, side):
    v, f = model_data[side]['v_template'], model_data[side]['f']
    directed = set()
    for a, b, c in f:
        directed.update([(a, b), (b, c), (c, a)])
    assert len(directed) == 3 * len(f)  # no edge run twice the same way
    assert all((b, a) in directed for a, b in directed)  # closed surface
    assert len(v) - len(directed) // 2 + len(f) == 2  # genus 0
    tri = v[f]
    volume = np.sum(tri[:, 0] * np.cross(tri[:, 1], tri[:, 2])) / 6
    assert 0.3 * ConvexHull(v).volume < volume < ConvexHull(v).volume
    assert 250e-6 < volume < 500e-6  # an adult hand, 250-500 cm^3


def test_rest_hand_has_adult_proportions(model_data):
    data = model_data['right']
    v, joints = _rest_joints(data)
    tips = {n: v[i] for n, i in FINGERTIP_VERTEX_IDS.items()}
    assert 0.175 < np.linalg.norm(tips['middle'] - joints[0]) < 0.195
    # breadth across the knuckles, thumb excluded
    mcps = joints[[MANO_FINGER_JOINTS[n][0] for n in LONG_FINGERS]]
    near = ((v[:, 0] > mcps[:, 0].min() - 0.005) &
            (v[:, 0] < mcps[:, 0].max() + 0.005) &
            (data['weights'][:, 13:].sum(1) < 0.05))
    assert 0.08 < np.ptp(v[near, 2]) < 0.09
    for name in LONG_FINGERS:
        first, second, third = (joints[j] for j in MANO_FINGER_JOINTS[name])
        bones = [np.linalg.norm(second - first), np.linalg.norm(third -
                                                                second),
                 np.linalg.norm(tips[name] - third)]
        assert 0.030 < bones[0] < 0.048 and 0.017 < bones[1] < 0.031
        assert 0.018 < bones[2] < 0.026
        # the flat hand lies in a plane and points along -x
        assert abs(first[1] - joints[0, 1]) < 0.003
        assert tips[name][0] < first[0] - 0.06
        # finger breadth at the PIP joint, across the finger in the xz plane
        axis = (third - second) / np.linalg.norm(third - second)
        rel = v - second
        ring = (np.abs(rel @ axis) < 0.002) & (np.linalg.norm(rel, axis=1) <
                                               0.015)
        across = np.cross(axis, [0.0, 1.0, 0.0])
        assert 0.015 <= np.ptp(rel[ring] @ across) <= 0.021
    cmc, mcp, ip = (joints[j] for j in MANO_FINGER_JOINTS['thumb'])
    assert 0.035 < np.linalg.norm(mcp - cmc) < 0.05
    assert 0.025 < np.linalg.norm(ip - mcp) < 0.036
    assert 0.02 < np.linalg.norm(tips['thumb'] - ip) < 0.03
    index_mcp = joints[MANO_FINGER_JOINTS['index'][0]]
    assert mcp[2] > index_mcp[2] + 0.01  # radial side (+z)
    assert ip[1] < index_mcp[1] - 0.005  # turned towards the palm (-y)


def test_fingertip_vertices_are_the_ends_of_the_fingers(model_data):
    data = model_data['right']
    v, joints = _rest_joints(data)
    weights = data['weights']
    for name, vertex in FINGERTIP_VERTEX_IDS.items():
        last = MANO_FINGER_JOINTS[name][2]
        assert weights[vertex, last] == pytest.approx(1.0)
        on_phalanx = weights[:, last] > 0.5
        distance = np.linalg.norm(v[on_phalanx] - joints[last], axis=1)
        assert np.linalg.norm(v[vertex] - joints[last]) == pytest.approx(
            distance.max())


def test_fingertips_follow_the_finger_pose(smplx_mano, model_data):
    model = smplx_mano('right', use_pca=False, flat_hand_mean=True)
    v, joints = _rest_joints(model_data['right'])
    frames = joint_frames()
    for name, vertex in FINGERTIP_VERTEX_IDS.items():
        second = MANO_FINGER_JOINTS[name][1]
        rotvec = np.deg2rad(60) * frames[second - 1][:, 0]
        pose = np.zeros(45)
        pose[3 * (second - 1):3 * second] = rotvec
        with torch.no_grad():
            out = model(hand_pose=torch.tensor(pose[None],
                                               dtype=torch.float32))
        moved = out.vertices[0].double().numpy()
        expected = joints[second] + Rotation.from_rotvec(rotvec).apply(
            v[vertex] - joints[second])
        assert np.linalg.norm(moved[vertex] - v[vertex]) > 0.01
        np.testing.assert_allclose(moved[vertex], expected, atol=1e-5)
        others = [i for n, i in FINGERTIP_VERTEX_IDS.items() if n != name]
        np.testing.assert_allclose(moved[others], v[others], atol=1e-6)


def test_left_hand_is_the_mirror_of_the_right(smplx_mano):
    gen = torch.Generator().manual_seed(0)
    pose = 0.4 * torch.randn(3, 45, generator=gen)
    betas = torch.randn(3, 10, generator=gen)
    orient = torch.randn(3, 3, generator=gen)
    transl = 0.1 * torch.randn(3, 3, generator=gen)
    aa_mirror = torch.tensor(AA_MIRROR, dtype=torch.float32)
    mirror = torch.tensor(MIRROR, dtype=torch.float32)
    kwargs = dict(use_pca=False, flat_hand_mean=False)
    right = smplx_mano('right', **kwargs)(hand_pose=pose, betas=betas,
                                          global_orient=orient,
                                          transl=transl)
    left = smplx_mano('left', **kwargs)(hand_pose=pose * aa_mirror,
                                        betas=betas,
                                        global_orient=orient * aa_mirror[:3],
                                        transl=transl * mirror)
    torch.testing.assert_close(left.vertices, right.vertices * mirror,
                               atol=2e-6, rtol=0)


def test_pose_pca_round_trip(model_data, smplx_mano):
    data = model_data['right']
    comps, mean = data['hands_components'], data['hands_mean']
    np.testing.assert_allclose(comps @ comps.T, np.eye(45), atol=1e-8)
    coeffs = np.random.default_rng(0).standard_normal((2, 15))
    pca = smplx_mano('right', use_pca=True, num_pca_comps=15,
                     flat_hand_mean=False)
    flat = smplx_mano('right', use_pca=False, flat_hand_mean=True)
    pose = coeffs @ comps[:15] + mean
    rest = dict(global_orient=torch.zeros(2, 3), betas=torch.zeros(2, 10))
    a = pca(hand_pose=torch.tensor(coeffs, dtype=torch.float32),
            **rest).vertices
    b = flat(hand_pose=torch.tensor(pose, dtype=torch.float32),
             **rest).vertices
    torch.testing.assert_close(a, b, atol=1e-6, rtol=0)
    recovered = (pose - mean) @ comps.T
    np.testing.assert_allclose(recovered[:, :15], coeffs, atol=1e-8)
    np.testing.assert_allclose(recovered[:, 15:], 0, atol=1e-8)


def test_flat_and_mean_conventions_differ_by_hands_mean(model_data,
                                                        smplx_mano):
    mean = torch.tensor(model_data['right']['hands_mean'],
                        dtype=torch.float32)
    pose = 0.3 * torch.randn(2, 45, generator=torch.Generator().manual_seed(1))
    relative = smplx_mano('right', use_pca=False, flat_hand_mean=False)
    absolute = smplx_mano('right', use_pca=False, flat_hand_mean=True)
    rest = dict(global_orient=torch.zeros(2, 3), betas=torch.zeros(2, 10))
    torch.testing.assert_close(
        relative(hand_pose=pose, **rest).vertices,
        absolute(hand_pose=pose + mean, **rest).vertices,
        atol=1e-6, rtol=0)
    zero = torch.zeros(1, 45)
    tips = list(FINGERTIP_VERTEX_IDS.values())
    gap = (relative(hand_pose=zero).vertices -
           absolute(hand_pose=zero).vertices)[0, tips].norm(dim=-1)
    assert gap.min() > 0.01  # the mean pose is a curled hand


def test_joint_regressor_is_convex_local_and_follows_size(model_data):
    data = model_data['right']
    regressor = data['J_regressor']
    assert regressor.min() >= 0
    np.testing.assert_allclose(regressor.sum(1), 1, atol=1e-8)
    v, joints = _rest_joints(data)
    for j in range(16):
        support = v[regressor[j] > 0]
        assert np.linalg.norm(support - joints[j], axis=1).max() < 0.03
    # direction 0 scales the hand by 6 % about the wrist: joints follow
    v_big, joints_big = _rest_joints(data, np.eye(10)[0])
    np.testing.assert_allclose(joints_big - joints[0],
                               1.06 * (joints - joints[0]), atol=1e-3)
    tips = list(FINGERTIP_VERTEX_IDS.values())
    np.testing.assert_allclose(v_big[tips] - joints[0],
                               1.06 * (v[tips] - joints[0]), atol=1e-3)


def _measure(data, betas):
    v, joints = _rest_joints(data, betas)
    tips = {n: v[i] for n, i in FINGERTIP_VERTEX_IDS.items()}
    middle = MANO_FINGER_JOINTS['middle'][0]
    palm = data['weights'][:, 0] > 0.99
    return dict(
        finger=np.linalg.norm(tips['middle'] - joints[middle]),
        palm_length=np.linalg.norm(joints[middle] - joints[0]),
        breadth=np.ptp(joints[[1, 7], 2]),
        thickness=np.ptp(v[palm, 1]),
        thumb=np.linalg.norm(tips['thumb'] - joints[13]))


def test_shape_directions_change_what_they_name(model_data):
    data = model_data['right']
    base = _measure(data, np.zeros(10))

    def change(k):
        moved = _measure(data, np.eye(10)[k])
        return {key: moved[key] / base[key] - 1 for key in base}

    assert change(1)['finger'] == pytest.approx(0.05, abs=0.005)
    assert abs(change(1)['palm_length']) < 0.002
    assert change(2)['breadth'] == pytest.approx(0.06, abs=0.006)
    assert abs(change(2)['palm_length']) < 0.002
    assert change(3)['thickness'] > 0.05 and abs(change(3)['breadth']) < 1e-6
    assert change(4)['palm_length'] == pytest.approx(0.05, abs=0.006)
    assert abs(change(4)['finger']) < 0.002
    assert change(6)['thumb'] == pytest.approx(0.06, abs=0.006)
    assert abs(change(6)['finger']) < 1e-6
    motion = np.linalg.norm(data['shapedirs'], axis=1).max(axis=0)
    assert (motion > 5e-4).all()  # every direction moves the surface


def test_skinning_weights_are_smooth_partitions_of_unity(model_data):
    data = model_data['right']
    weights, faces = data['weights'], data['f']
    assert weights.min() >= 0
    np.testing.assert_allclose(weights.sum(1), 1, atol=1e-8)
    edges = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]],
                            faces[:, [2, 0]]])
    jump = np.abs(weights[edges[:, 0]] - weights[edges[:, 1]]).max()
    assert jump <= 0.6
    assert (weights.max(axis=0) > 0.9).all()  # every bone drives some skin


def test_pose_correctives_are_small_local_and_follow_cos_and_sin(model_data):
    data = model_data['right']
    posedirs = data['posedirs'].reshape(-1, 135)
    v, joints = _rest_joints(data)
    pip = MANO_FINGER_JOINTS['index'][1]
    axis = joint_frames()[pip - 1][:, 0]

    def offsets(angle):
        features = np.zeros((15, 3, 3))
        features[pip - 1] = Rotation.from_rotvec(angle * axis).as_matrix(
        ) - np.eye(3)
        return (posedirs @ features.reshape(135)).reshape(-1, 3)

    size = np.linalg.norm(offsets(np.pi / 2), axis=1)
    assert 2e-4 < size.max() < 3e-3
    far = np.linalg.norm(v - joints[pip], axis=1) > 0.04
    assert size[far].max() < 1e-12
    assert size[list(FINGERTIP_VERTEX_IDS.values())].max() < 1e-12

    def even(t):
        return 0.5 * (offsets(t) + offsets(-t))

    def odd(t):
        return 0.5 * (offsets(t) - offsets(-t))

    np.testing.assert_allclose(even(1.0), even(0.5) * (1 - np.cos(1.0)) /
                               (1 - np.cos(0.5)), atol=1e-12)
    np.testing.assert_allclose(odd(1.0), odd(0.5) * np.sin(1.0) /
                               np.sin(0.5), atol=1e-12)
    assert np.abs(even(1.0)).max() > 1e-5 and np.abs(odd(1.0)).max() > 1e-5


def test_make_hand_model_tool_writes_identical_bytes(synthetic_dir, tmp_path,
                                                      load_tool):
    tool = load_tool('make_hand_model')
    assert tool.main(['--out', str(tmp_path)]) == 0
    for name in ('MANO_RIGHT.pkl', 'MANO_LEFT.pkl'):
        assert (tmp_path / name).read_bytes() == (synthetic_dir /
                                                  name).read_bytes()
