"""Damaged raw EgoExo4D files through tools/dataset_converters/egoexo4d.py:
one ``error:`` line naming the file, take and field, or (NaN camera pose,
which the official preparation treats as a missing pose) the frame skipped
with one warning line."""
import json
import logging
import os

import pytest

from egohands.apis.cli import run_cli
from egohands.datasets.egoexo4d import layout
from egohands.testing.egoexo4d import build_raw_release
from tool_loader import load_tool



def _release(tmp_path):
    release = build_raw_release(str(tmp_path / 'raw'))
    uid = next(u for u, n in release.take_names.items() if n.endswith(
        'train_a'))
    return release, uid


def _convert(raw, out, capsys):
    capsys.readouterr()
    status = run_cli(load_tool('tools/dataset_converters/egoexo4d.py').main,
                     ['--raw', raw, '--out', str(out), '--splits', 'train',
                      '--no-progress'])
    err = capsys.readouterr().err
    assert 'Traceback' not in err
    lines = [line for line in err.splitlines() if line.startswith('error:')]
    return status, lines


def _rewrite(path, change):
    with open(path) as f:
        content = json.load(f)
    content = change(content) or content
    with open(path, 'w') as f:
        json.dump(content, f)


def test_a_take_entry_of_the_wrong_type(tmp_path, capsys):
    release, _ = _release(tmp_path)
    takes = layout.raw_takes_file(release.root)
    _rewrite(takes, lambda content: content.insert(1, 'not a take'))
    out = tmp_path / 'out'
    status, lines = _convert(release.root, out, capsys)
    assert status == 2 and lines == [
        f"error: {takes}: take number 1: must be a JSON object, got str "
        "'not a take'; download the metadata again"]
    assert not os.path.exists(layout.processed_annotation_file(
        str(out), 'manual', 'train'))


def test_a_non_numeric_frame_key(tmp_path, capsys):
    release, uid = _release(tmp_path)
    path = os.path.join(layout.raw_hand_dir(release.root, 'train', 'manual'),
                        f'{uid}.json')
    _rewrite(path, lambda content: content.update(
        {'ten': next(iter(content.values()))}))
    out = tmp_path / 'out'
    status, lines = _convert(release.root, out, capsys)
    assert status == 2 and len(lines) == 1
    assert lines[0].startswith(f"error: {path}: frame key 'ten': frame keys "
                               'must be frame numbers')
    assert not os.path.exists(layout.processed_annotation_file(
        str(out), 'manual', 'train'))


def _skipped_frames(caplog, uid):
    """Frames of take ``uid`` the converter reported as having no pose."""
    counts = [int(r.getMessage().split(': ')[-1].split()[0])
              for r in caplog.records if 'no finite' in r.getMessage()
              and f'annotation/{uid}.json' in r.getMessage()]
    assert len(counts) == 1  # one line per take
    caplog.clear()
    return counts[0]


def test_nan_extrinsics_skip_the_frame_with_one_warning(tmp_path, capsys,
                                                        caplog):
    release, uid = _release(tmp_path)
    out = tmp_path / 'clean'
    with caplog.at_level(logging.WARNING):
        assert _convert(release.root, out, capsys) == (0, [])
    skipped = _skipped_frames(caplog, uid)  # the release's pose-less frame
    clean = layout.read_json(layout.processed_annotation_file(
        str(out), 'manual', 'train'), 'train')
    frame = sorted(clean[uid])[0]
    pose = os.path.join(layout.raw_camera_pose_dir(release.root, 'train'),
                        f'{uid}.json')

    def poison(content):
        for camera in content.values():
            if isinstance(camera, dict) and frame in camera.get(
                    'camera_extrinsics', {}):
                camera['camera_extrinsics'][frame][0][3] = float('nan')
    _rewrite(pose, poison)
    out = tmp_path / 'nan'
    with caplog.at_level(logging.WARNING):
        assert _convert(release.root, out, capsys) == (0, [])
    assert _skipped_frames(caplog, uid) == skipped + 1
    converted = layout.read_json(layout.processed_annotation_file(
        str(out), 'manual', 'train'), 'train')
    assert set(converted[uid]) == set(clean[uid]) - {frame}
