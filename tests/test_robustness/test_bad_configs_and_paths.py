"""Config mistakes, output paths that are files and non-finite statistics:
one ``error:`` line naming the file and field, nothing written."""
import json

import numpy as np
import pytest


def _config(tmp_path, tiny_config, text):
    path = tmp_path / 'bad_config.py'
    path.write_text(f'_base_ = [{str(tiny_config)!r}]\n' + text)
    return path


def _train(run_tool_once, config, work, *options):
    return run_tool_once('train', [config, '--work-dir', work,
                                   '--cfg-options', *options])


@pytest.mark.parametrize('text, message', [
    ('x = undefined_name + 1\n',
     "NameError: name 'undefined_name' is not defined"),
    ("custom_imports = dict(imports=['no_such_module_xyz'], "
     'allow_failed_imports=False)\n',
     'custom_imports: Failed to import no_such_module_xyz'),
], ids=['undefined-name', 'custom-imports'])
def test_config_files_that_do_not_run(text, message, tmp_path, tiny_config,
                                      toy_data_root, run_tool_once):
    config = _config(tmp_path, tiny_config, text)
    work = tmp_path / 'work'
    status, line = _train(run_tool_once, config, work,
                          f'data_root={toy_data_root}')
    assert line.startswith(f'error: {config}: ') and message in line
    assert not work.exists()


@pytest.mark.parametrize('option, message', [
    ("train_cfg.max_epochs='abc'",
     "train_cfg.max_epochs must be an integer >= 1, got 'abc'"),
    ('optim_wrapper.optimizer.lr=-1',
     'optim_wrapper.optimizer.lr must be a number >= 0, got -1'),
    ('train_dataloader.batch_size=0',
     'train_dataloader.batch_size must be an integer >= 1, got 0'),
], ids=['max-epochs-abc', 'negative-lr', 'batch-size-0'])
def test_config_values_out_of_range(option, message, tmp_path, tiny_config,
                                    toy_data_root, run_tool_once):
    work = tmp_path / 'work'
    status, line = _train(run_tool_once, tiny_config, work,
                          f'data_root={toy_data_root}', option)
    assert line == f'error: {tiny_config}: {message}'
    assert not work.exists()


def test_output_paths_that_are_files(tmp_path, tiny_config, toy_data_root,
                                     run_tool_once):
    a_file = tmp_path / 'a_file'
    a_file.write_text('keep me')
    options = ['--cfg-options', f'data_root={toy_data_root}']
    status, line = run_tool_once('train', [tiny_config, '--work-dir', a_file]
                                 + options)
    assert line == (f'error: --work-dir {a_file}: {a_file} is a file, not a '
                    'directory; give another path')
    checkpoint = tmp_path / 'model.pth'
    checkpoint.write_bytes(b'')
    status, line = run_tool_once('test', [tiny_config, checkpoint,
                                          '--work-dir', a_file / 'sub'] +
                                 options)
    assert f'--work-dir {a_file}/sub: {a_file} is a file' in line
    status, line = run_tool_once('test', [
        tiny_config, checkpoint, '--work-dir', tmp_path / 'w', '--dump',
        a_file / 'preds.json'] + options)
    assert f'--dump {a_file}/preds.json: folder' in line
    for tool, out in (('compute_target_stats', a_file / 'stats.json'),
                      ('browse_dataset', a_file / 'grid.jpg')):
        status, line = run_tool_once(tool, [tiny_config, '--out', out] +
                                     options)
        assert line.startswith(f'error: --out {out}: folder {a_file}: ')
    assert a_file.read_text() == 'keep me'
    status, line = run_tool_once('compute_target_stats', [
        tiny_config, '--out', tmp_path] + options)
    assert line == f'error: --out {tmp_path} is a directory; give a file name'


@pytest.mark.parametrize('value', [float('nan'), float('inf'), -1.0])
def test_non_finite_statistics_are_refused(value, tmp_path, tiny_config,
                                           toy_data_root, run_tool_once):
    stats = dict(root_index=0, num_hands=1, source='x',
                 mean=np.zeros((21, 3)).tolist(),
                 std=np.ones((21, 3)).tolist())
    stats['std'][4][1] = value
    path = tmp_path / 'stats.json'
    path.write_text(json.dumps(stats))
    work = tmp_path / 'work'
    status, line = _train(run_tool_once, tiny_config, work,
                          f'data_root={toy_data_root}',
                          f'model.head.codec.stats_file={path}')
    assert f'target statistics file {path}: target statistics std[4][1] ' \
        f'is {value}' in line
    assert not list(work.glob('*.pth'))
