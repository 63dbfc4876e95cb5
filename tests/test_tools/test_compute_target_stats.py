import json
from pathlib import Path

import numpy as np

from egohands.apis.cli import run_cli
from egohands.codecs import root_relative_stats
from egohands.registry import MODELS
from tool_loader import load_tool


def _main():
    return load_tool('compute_target_stats').main


def test_statistics_from_the_training_annotations(tmp_path, tiny_config,
                                                  toy_data_root, capsys):
    out = tmp_path / 'stats.json'
    status = run_cli(_main(), [str(tiny_config), '--out', str(out),
                               '--cfg-options', f'data_root={toy_data_root}'])
    assert status == 0
    assert 'model.head.codec.stats_file=' in capsys.readouterr().out
    stats = json.loads(out.read_text())
    # independent: straight from the annotation file
    ann = json.loads((Path(toy_data_root) / 'annotations' /
                      'train.json').read_text())['annotations']
    joints = np.array([np.reshape(a['joints_3d'], (21, 3)) for a in ann])
    valid = np.array([a['joints_valid'] for a in ann])
    mean, std, num_hands = root_relative_stats(joints, valid)
    assert stats['num_hands'] == num_hands == len(ann)
    np.testing.assert_allclose(stats['mean'], mean, atol=1e-4)
    np.testing.assert_allclose(stats['std'], std, atol=1e-4)
    codec = MODELS.build(dict(type='RootRelativeJointCodec',
                              stats_file=str(out)))
    assert codec.has_statistics()
