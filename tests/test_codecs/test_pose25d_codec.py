"""Pose25DCodec: (u, v, relative depth) targets and their lifting to 3D."""
import numpy as np
import pytest
import torch

from egohands.codecs import Pose25DCodec
from egohands.codecs.target_stats import bone_length_stats
from egohands.datasets.metainfo import SKELETON
from egohands.utils.errors import MissingAssetError

SIZE = (128, 96)  # (w, h) of the network input


def _hands(rng, count=6):
    """Random skeleton-shaped hands 30-60 cm in front of a crop camera."""
    joints = np.zeros((count, 21, 3))
    for parent, child in SKELETON:
        joints[:, child] = joints[:, parent] + rng.normal(0, 25, (count, 3))
    joints += np.stack([rng.normal(0, 40, count), rng.normal(0, 40, count),
                        rng.uniform(300, 600, count)], 1)[:, None]
    return torch.as_tensor(joints, dtype=torch.float64)


def _crop_K(count):
    K = torch.tensor([[220.0, 0.0, 63.5], [0.0, 210.0, 47.5],
                      [0.0, 0.0, 1.0]], dtype=torch.float64)
    return K.expand(count, 3, 3).clone()


def _codec(joints):
    codec = Pose25DCodec().double()
    codec.set_statistics(dict(bone_sq_sum=bone_length_stats(
        joints.numpy(), np.ones(joints.shape[:2]))))
    return codec


def test_targets_are_the_projection_and_the_relative_depth():
    joints = _hands(np.random.default_rng(0))
    K = _crop_K(len(joints))
    codec = _codec(joints)
    encoded = codec.encode(joints, torch.ones(joints.shape[:2],
                                              dtype=torch.float64),
                           crop_K=K, input_size=SIZE)
    targets = encoded['targets']
    hand, joint = 2, 7
    x, y, z = joints[hand, joint].tolist()
    assert targets[hand, joint, 0].item() == pytest.approx(
        (220.0 * x / z + 63.5) / SIZE[0])
    assert targets[hand, joint, 1].item() == pytest.approx(
        (210.0 * y / z + 47.5) / SIZE[1])
    assert targets[hand, joint, 2].item() == pytest.approx(
        (z - joints[hand, 0, 2].item()) / 100.0)


def test_one_hand_decodes_exactly_to_its_wrist_relative_joints():
    # with one hand the statistic is that hand's own bone sum, so the
    # lifted skeleton must be the hand itself
    joints = _hands(np.random.default_rng(1), count=1)
    K = _crop_K(1)
    codec = _codec(joints)
    encoded = codec.encode(joints, torch.ones(1, 21, dtype=torch.float64),
                           crop_K=K, input_size=SIZE)
    decoded = codec.decode(encoded['targets'], crop_K=K, input_size=SIZE)
    np.testing.assert_allclose(decoded, joints - joints[:, :1], atol=1e-6)


def test_root_depth_solves_the_bone_length_equation_by_brute_force():
    rng = np.random.default_rng(2)
    joints = _hands(rng)
    K = _crop_K(len(joints))
    codec = _codec(joints)
    targets = codec.encode(joints, torch.ones(joints.shape[:2],
                                              dtype=torch.float64),
                           crop_K=K, input_size=SIZE)['targets']
    pixels = targets[..., :2] * torch.tensor(SIZE, dtype=torch.float64)
    rays = torch.cat([pixels, torch.ones_like(pixels[..., :1])], -1) @ \
        torch.linalg.inv(K).transpose(1, 2)
    dz = targets[..., 2:] * 100.0
    solved = codec.root_depth(rays, dz)
    depths = np.linspace(50.0, 2000.0, 195001)
    for hand in range(len(joints)):
        lengths = []
        for z in depths[::100]:
            points = ((z + dz[hand]) * rays[hand]).numpy()
            lengths.append(sum(((points[c] - points[p])**2).sum()
                               for p, c in SKELETON))
        lengths = np.asarray(lengths)
        crossing = np.nonzero(np.diff(np.sign(
            lengths - codec.bone_sq_sum.item())))[0]
        assert len(crossing), 'the scan must cross the statistic'
        brute = depths[::100][crossing[-1]]
        assert solved[hand].item() == pytest.approx(brute, abs=1.0)


def test_stats_sum_the_mean_squared_bone_lengths():
    rng = np.random.default_rng(3)
    joints = rng.normal(0, 30, (5, 21, 3))
    valid = np.ones((5, 21))
    valid[0, 4] = 0  # bone (3, 4) of hand 0 does not count
    expected = 0.0
    for parent, child in SKELETON:
        squares = [((joints[i, child] - joints[i, parent])**2).sum()
                   for i in range(5) if valid[i, child] and valid[i, parent]]
        expected += np.mean(squares)
    assert bone_length_stats(joints, valid) == pytest.approx(expected)


def test_decoding_without_statistics_is_a_clear_error():
    codec = Pose25DCodec()
    with pytest.raises(MissingAssetError, match='compute_target_stats'):
        codec.decode(torch.zeros(1, 21, 3), crop_K=_crop_K(1).float(),
                     input_size=SIZE)
    with pytest.raises(MissingAssetError, match='bone_sq_sum'):
        codec.set_statistics(dict(mean=[[0, 0, 0]] * 21))
