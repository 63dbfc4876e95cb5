"""User mistakes end with one clear ``error:`` line and status 2."""
import json
import shutil

import pytest

from egohands.apis.cli import run_cli
from tool_loader import load_tool


_tool = load_tool


def _single_error_line(capsys):
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert 'Traceback' not in err
    errors = [line for line in lines if line.startswith('error: ')]
    assert len(errors) == 1, err
    return errors[0]


def _unique_name(tmp_path):
    """An experiment name of its own for a Runner built in this process:
    mmengine keys its logger by it, and a logger reused from an earlier
    test would write to that test's closed capture stream."""
    return f'tool_errors_{tmp_path.name}'


@pytest.fixture(autouse=True)
def _no_debug(monkeypatch):
    monkeypatch.delenv('EGOHANDS_DEBUG', raising=False)


def test_wrong_config_key(tmp_path, tiny_config, capsys):
    status = run_cli(_tool('train').main, [
        str(tiny_config), '--work-dir', str(tmp_path), '--cfg-options',
        'model.head.num_joint=21'])
    assert status == 2
    line = _single_error_line(capsys)
    assert str(tiny_config) in line
    assert "model.head: unknown key 'num_joint'" in line
    assert "did you mean 'num_joints'" in line


def test_missing_data_root(tmp_path, tiny_config, capsys):
    missing = tmp_path / 'no_such_dataset'
    status = run_cli(_tool('train').main, [
        str(tiny_config), '--work-dir', str(tmp_path / 'work'),
        '--cfg-options', f'data_root={missing}/',
        f'experiment_name={_unique_name(tmp_path)}'])
    assert status == 2
    line = _single_error_line(capsys)
    assert str(tiny_config) in line
    assert 'data root' in line and str(missing) in line


def test_malformed_annotation_record(tmp_path, tiny_config, toy_data_root,
                                     capsys):
    root = tmp_path / 'toy'
    shutil.copytree(toy_data_root, root)
    ann_file = root / 'annotations' / 'train.json'
    content = json.loads(ann_file.read_text())
    bad = content['annotations'][1]
    bad['joints_3d'] = bad['joints_3d'][:-3]  # 20 joints instead of 21
    ann_file.write_text(json.dumps(content))
    status = run_cli(_tool('train').main, [
        str(tiny_config), '--work-dir', str(tmp_path / 'work'),
        '--cfg-options', f'data_root={root}/',
        f'experiment_name={_unique_name(tmp_path)}'])
    assert status == 2
    line = _single_error_line(capsys)
    assert str(ann_file) in line
    assert f"annotation id {bad['id']}" in line and 'joints_3d' in line


def test_test_tool_errors(tmp_path, tiny_config, capsys):
    test_main = _tool('test').main
    checkpoint = tmp_path / 'missing.pth'
    assert run_cli(test_main, [str(tiny_config), str(checkpoint)]) == 2
    assert 'missing.pth does not exist' in _single_error_line(capsys)
    checkpoint.write_bytes(b'')
    assert run_cli(test_main, [str(tiny_config), str(checkpoint), '--tta',
                               '--cfg-options', 'tta_pipeline=None']) == 2
    line = _single_error_line(capsys)
    assert '--tta' in line and 'tta_pipeline' in line
    assert run_cli(test_main, [str(tiny_config), str(checkpoint),
                               '--dump', 'x.txt']) == 2
    assert '.json' in _single_error_line(capsys)


def test_unknown_type_from_the_command_line(tmp_path, tiny_config, capsys):
    status = run_cli(_tool('train').main, [
        str(tiny_config), '--work-dir', str(tmp_path), '--cfg-options',
        'model.backbone.type=SimpleCN'])
    assert status == 2
    err = capsys.readouterr().err
    assert 'Traceback' not in err
    assert err.startswith(f'error: {tiny_config}: model.backbone: ')
    assert 'closest names: SimpleCNN' in err


@pytest.mark.slow
def test_real_command_exits_2_without_traceback(tmp_path, tiny_config,
                                                run_python):
    result = run_python(['tools/train.py', tiny_config, '--work-dir',
                         tmp_path, '--cfg-options', 'model.head.num_joint=1'])
    assert result.returncode == 2
    assert 'Traceback' not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(
        f'error: {tiny_config}: model.head: unknown key')
    debug = run_python(['tools/train.py', tiny_config, '--work-dir',
                        tmp_path, '--debug', '--cfg-options',
                        'model.head.num_joint=1'])
    assert debug.returncode == 1 and 'Traceback' in debug.stderr
