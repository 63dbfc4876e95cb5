"""The example plugin installs with pip and trains through tools/train.py."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from egohands.geometry.joint_orders import MANO_TO_CANONICAL, from_canonical

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / 'plugins' / 'egohands_example_plugin'
CONFIG = PLUGIN / 'configs' / 'tiny_simplecnn_1xb8-1e_jsonl-64x64.py'


def _to_jsonl(toy_root: Path, split: str, out: Path) -> int:
    """Rewrite a toy split in the plugin's format (metres, MANO order)."""
    content = json.loads((toy_root / 'annotations' /
                          f'{split}.json').read_text())
    images = {image['id']: image for image in content['images']}
    lines = []
    for ann in content['annotations']:
        image = images[ann['image_id']]
        joints_mm = np.reshape(ann['joints_3d'], (21, 3))
        x0, y0, w, h = ann['bbox']  # COCO boxes are x, y, w, h
        focal, princpt = image['cam_param']['focal'], image['cam_param'][
            'princpt']
        lines.append(json.dumps(dict(
            image=str(toy_root / image['file_name']),
            size=[image['width'], image['height']],
            camera=dict(fx=focal[0], fy=focal[1], cx=princpt[0],
                        cy=princpt[1]),
            side='L' if ann['hand_side'] == 'left' else 'R',
            box_xywh=[x0, y0, w, h],
            joints_m=(from_canonical(joints_mm, MANO_TO_CANONICAL) /
                      1000.0).tolist())))
    out.write_text('\n'.join(lines) + '\n')
    return len(lines)


@pytest.mark.slow
def test_plugin_installs_and_trains(tmp_path, toy_data_root, run_python):
    data = tmp_path / 'jsonl'
    data.mkdir()
    num_train = _to_jsonl(Path(toy_data_root), 'train', data / 'train.jsonl')
    _to_jsonl(Path(toy_data_root), 'val', data / 'val.jsonl')

    # install a copy (pip's build leaves egg-info next to the sources)
    # into a private target folder: the shared venv stays untouched
    source, site = tmp_path / 'plugin_src', tmp_path / 'site'
    shutil.copytree(PLUGIN, source)
    install = subprocess.run(
        [sys.executable, '-m', 'pip', 'install', '--no-deps',
         '--no-build-isolation', '--no-index', '--quiet', '--target',
         str(site), str(source)], capture_output=True, text=True,
        timeout=300)
    assert install.returncode == 0, install.stderr[-3000:]
    assert list(site.glob('egohands_example_plugin-*.dist-info'))

    work_dir = tmp_path / 'work'
    args = ['tools/train.py', CONFIG, '--work-dir', work_dir,
            '--cfg-options', f'data_root={data}/',
            f'train_dataloader.batch_size={num_train}']
    # the plugin in front of the egohands the suite runs with
    path = os.pathsep.join(filter(None, [str(site),
                                         os.environ.get('PYTHONPATH')]))
    trained = run_python(args, env_extra=dict(PYTHONPATH=path))
    assert trained.returncode == 0, trained.stderr[-3000:]
    assert (work_dir / 'epoch_1.pth').is_file()
    log = trained.stdout
    assert 'Epoch(train) [1][1/1]' in log  # one iteration
    assert 'fingertip_error' in log  # the plugin's metric ran
    assert (work_dir / 'best_fingertip_error_epoch_1.pth').is_file()

    # without the installed plugin the same config names what is missing
    missing = run_python(args)
    assert missing.returncode == 2
    assert "'JsonLinesHandDataset' is not a registered dataset" in \
        missing.stderr


def test_plugin_reader_matches_the_canonical_reader(tmp_path, toy_data_root,
                                                    monkeypatch):
    monkeypatch.syspath_prepend(str(PLUGIN))
    from egohands_example_plugin import JsonLinesHandDataset

    from egohands.datasets import EgoHandsCocoDataset
    count = _to_jsonl(Path(toy_data_root), 'val', tmp_path / 'val.jsonl')
    plugin = JsonLinesHandDataset(ann_file=str(tmp_path / 'val.jsonl'))
    canonical = EgoHandsCocoDataset(data_root=toy_data_root,
                                    ann_file='annotations/val.json')
    assert len(plugin) == len(canonical) == count
    for index in range(count):
        ours, theirs = plugin.get_data_info(index), \
            canonical.get_data_info(index)
        np.testing.assert_allclose(ours['joints_3d'], theirs['joints_3d'],
                                   atol=1e-3)
        np.testing.assert_allclose(ours['bbox'], theirs['bbox'], atol=1e-4)
        np.testing.assert_allclose(ours['keypoints_2d'],
                                   theirs['keypoints_2d'], atol=0.02)
        np.testing.assert_allclose(ours['K'], theirs['K'], atol=1e-4)
        assert ours['hand_side'] == theirs['hand_side']
        assert ours['img_path'] == theirs['img_path']
