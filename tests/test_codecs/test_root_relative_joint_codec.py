import json

import numpy as np
import pytest
import torch

from egohands.codecs import (RootRelativeJointCodec, load_stats,
                             root_relative_stats, save_stats,
                             stats_from_dataset)
from egohands.registry import MODELS
from egohands.utils.errors import ConfigError, MissingAssetError


def _random_hands(rng, n=40, k=21, drop=0.2):
    joints = rng.normal(0, 50, size=(n, k, 3)) + rng.normal(0, 300,
                                                            size=(n, 1, 3))
    valid = (rng.random((n, k)) > drop).astype(np.float32)
    return joints, valid


def test_stats_match_a_loop_over_hands():
    rng = np.random.default_rng(0)
    joints, valid = _random_hands(rng)
    valid[:, 7] = 0  # a joint that never counts
    mean, std, num_hands = root_relative_stats(joints, valid)
    for j in range(21):
        values = [joints[i, j] - joints[i, 0] for i in range(len(joints))
                  if valid[i, j] and valid[i, 0]]
        if not values:
            np.testing.assert_array_equal(mean[j], 0)
            np.testing.assert_array_equal(std[j], 1)
            continue
        np.testing.assert_allclose(mean[j], np.mean(values, axis=0),
                                   atol=1e-9)
        np.testing.assert_allclose(std[j], np.std(values, axis=0), atol=1e-9)
    assert num_hands == int(valid[:, 0].sum())
    np.testing.assert_array_equal(std[0], 0)  # the wrist


def _codec_with_stats(rng):
    joints, valid = _random_hands(rng)
    mean, std, _ = root_relative_stats(joints, valid)
    codec = RootRelativeJointCodec()
    codec.set_statistics(dict(mean=mean, std=std))
    return codec, mean, std


def test_encode_decode_round_trip_and_wrist():
    rng = np.random.default_rng(1)
    codec, mean, std = _codec_with_stats(rng)
    joints = torch.as_tensor(rng.normal(0, 60, (3, 21, 3)),
                             dtype=torch.float32)
    valid = torch.ones(3, 21)
    valid[1, 0] = 0  # wrist missing: the whole hand gets weight 0
    valid[2, 5] = 0
    encoded = codec.encode(joints, valid)
    targets = encoded['targets']
    # hand-worked: target = (joint - wrist - mean) / std, wrist target 0
    expected = ((joints[0, 3] - joints[0, 0]).numpy() - mean[3]) / std[3]
    np.testing.assert_allclose(targets[0, 3].numpy(), expected, rtol=1e-5)
    assert torch.all(targets[:, 0] == 0)
    np.testing.assert_array_equal(encoded['target_weights'][1].numpy(), 0)
    assert encoded['target_weights'][2, 5] == 0
    assert encoded['target_weights'][2, 4] == 1
    decoded = codec.decode(targets)
    torch.testing.assert_close(decoded, joints - joints[:, :1], atol=1e-3,
                               rtol=1e-5)
    # whatever the network says for the wrist, it decodes to the origin
    noisy = targets.clone()
    noisy[:, 0] = 5.0
    assert torch.all(codec.decode(noisy)[:, 0] == 0)


def test_codec_without_statistics_refuses_to_decode(tmp_path):
    codec = RootRelativeJointCodec(stats_file=str(tmp_path / 'missing.json'))
    assert not codec.has_statistics()
    with pytest.raises(MissingAssetError, match='compute_target_stats'):
        codec.decode(torch.zeros(1, 21, 3))
    with pytest.raises(MissingAssetError, match='missing.json'):
        codec.encode(torch.zeros(1, 21, 3), torch.ones(1, 21))


def test_statistics_file_and_checkpoint_buffers(tmp_path):
    rng = np.random.default_rng(2)
    codec, mean, std = _codec_with_stats(rng)
    path = tmp_path / 'stats.json'
    save_stats(dict(mean=mean.tolist(), std=std.tolist(), root_index=0,
                    num_hands=3, source='x'), str(path))
    from_file = MODELS.build(
        dict(type='RootRelativeJointCodec', stats_file=str(path)))
    assert from_file.has_statistics()
    np.testing.assert_allclose(from_file.std.numpy(), std, rtol=1e-6)
    # the statistics travel in the state dict, as in a checkpoint
    fresh = RootRelativeJointCodec()
    fresh.load_state_dict(codec.state_dict())
    assert fresh.has_statistics()
    outputs = torch.randn(2, 21, 3)
    torch.testing.assert_close(fresh.decode(outputs), codec.decode(outputs))


def test_malformed_statistics_file(tmp_path):
    path = tmp_path / 'bad.json'
    path.write_text(json.dumps(dict(mean=[[0, 0, 0]] * 5, std=[[1] * 3] * 5)))
    with pytest.raises(ConfigError, match='bad.json'):
        load_stats(str(path), num_joints=21)
    path.write_text('{not json')
    with pytest.raises(ConfigError, match='malformed'):
        RootRelativeJointCodec(stats_file=str(path))


def test_stats_from_dataset_reads_records(records_dataset):
    rng = np.random.default_rng(3)
    joints, valid = _random_hands(rng, n=10)
    stats = stats_from_dataset(records_dataset(joints, valid))
    mean, std, num_hands = root_relative_stats(joints, valid)
    np.testing.assert_allclose(stats['mean'], mean)
    np.testing.assert_allclose(stats['std'], std)
    assert stats['num_hands'] == num_hands and stats['source'] == 'records.json'
    with pytest.raises(ConfigError, match='valid root'):
        stats_from_dataset(records_dataset(joints, np.zeros_like(valid)))
