"""An Infinity (or any number) at an invalid EgoExo4D joint never reaches
the training targets, the loss or the target statistics."""
import json
import shutil
from pathlib import Path

import numpy as np
import torch

from egohands.datasets.egoexo4d import layout
from egohands.registry import DATASETS, MODELS

from .tools_inprocess import run_tool

CONFIG = Path(__file__).parents[2] / \
    'configs/hpvit/hpvit_vit-h_1xb8-70e_egoexo4d-256x192.py'


def _poisoned_release(out: str, tmp_path: Path):
    """A copy of the processed folder whose manual train file holds
    Infinity / -Infinity / 1e30 at invalid joints (not the wrist, which the
    files always hold); (root, poisoned hands)."""
    root = tmp_path / 'egoexo4d'
    shutil.copytree(Path(out) / 'annotation', root / 'annotation')
    path = layout.processed_annotation_file(str(root), 'manual', 'train')
    content = layout.read_json(path, 'train')
    poisoned, values = [], iter([float('inf'), -float('inf'), 1e30] * 99)
    for take, frames in content.items():
        for frame, record in frames.items():
            for side in layout.HAND_SIDES:
                valid = record.get(f'{side}_hand_valid_3d') or []
                joints = record.get(f'{side}_hand_3d')
                invalid = [j for j, v in enumerate(valid) if not v and j]
                if invalid and joints:
                    joints[invalid[0]] = [next(values)] * 3
                    poisoned.append((take, frame, side))
    assert len(poisoned) >= 2
    with open(path, 'w') as f:  # Python's JSON writes bare Infinity
        json.dump(content, f)
    assert 'Infinity' in Path(path).read_text()
    return root, poisoned


def test_infinity_at_an_invalid_joint_stays_out(egoexo4d_release, tmp_path):
    _, out = egoexo4d_release
    root, _ = _poisoned_release(out, tmp_path)
    dataset = DATASETS.build(dict(type='EgoExo4DHandDataset',
                                  data_root=str(root), split='train',
                                  serialize_data=False))
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    joints = np.stack([i['joints_3d'] for i in infos])
    valid = np.stack([i['joints_valid'] for i in infos])
    assert np.isfinite(joints).all()
    assert (joints[:, 1:][valid[:, 1:] == 0] == 0).all()  # wrist kept

    # the statistics tool on the poisoned file: finite, and equal to the
    # statistics of the clean release (the invalid joints never count)
    stats_file = tmp_path / 'stats.json'
    clean_file = tmp_path / 'clean.json'
    for root_dir, file in ((root, stats_file), (out, clean_file)):
        assert run_tool('tools/compute_target_stats.py', [
            CONFIG, '--out', file, '--cfg-options', f'data_root={root_dir}'
        ]) == 0
    stats = json.loads(stats_file.read_text())
    clean = json.loads(clean_file.read_text())
    assert np.isfinite(stats['mean']).all() and np.isfinite(
        stats['std']).all()
    np.testing.assert_allclose(stats['mean'], clean['mean'], atol=1e-6)
    np.testing.assert_allclose(stats['std'], clean['std'], atol=1e-6)


def test_the_codec_and_loss_ignore_whatever_an_invalid_joint_holds():
    codec = MODELS.build(dict(type='RootRelativeJointCodec'))
    codec.set_statistics(dict(mean=np.zeros((21, 3)),
                              std=np.full((21, 3), 10.0)))
    joints = torch.randn(2, 21, 3) * 50
    valid = torch.ones(2, 21)
    joints[0, 5], valid[0, 5] = float('inf'), 0
    joints[1, 7], valid[1, 7] = float('nan'), 0
    encoded = codec.encode(joints, valid)
    assert torch.isfinite(encoded['targets']).all()
    loss = MODELS.build(dict(type='MPJPELoss'))
    value = loss(torch.zeros(2, 21, 3), encoded['targets'],
                 encoded['target_weights'])
    assert torch.isfinite(value)
