"""Resume edge cases (a truncated latest checkpoint, an empty
last_checkpoint, a copied work dir), atomic checkpoint writes, and
tools/test.py with a checkpoint that is text or does not fit the model."""
import shutil

import pytest
import torch
from mmengine.config import Config
from mmengine.fileio import get_file_backend

from egohands.apis.cli import run_cli
from egohands.apis.tool_config import set_resume
from egohands.engine.resume import latest_intact_checkpoint
from egohands.registry import MODELS
from egohands.utils.checkpoint import install_safe_checkpoint_loading
from tool_loader import load_tool


def _work_dir(tmp_path, epochs=(1, 2, 3)):
    work = tmp_path / 'work'
    work.mkdir()
    for epoch in epochs:
        torch.save(dict(state_dict=dict(w=torch.full((2, ), float(epoch))),
                        meta=dict(epoch=epoch)), work / f'epoch_{epoch}.pth')
    last = work / f'epoch_{epochs[-1]}.pth'
    (work / 'last_checkpoint').write_text(str(last))
    return work


def test_truncated_latest_checkpoint_falls_back_with_one_line(tmp_path):
    work = _work_dir(tmp_path)
    latest = work / 'epoch_3.pth'
    latest.write_bytes(latest.read_bytes()[:300])  # killed while written
    lines = []
    assert latest_intact_checkpoint(str(work), log=lines.append) == str(
        work / 'epoch_2.pth')
    assert len(lines) == 1 and 'skipping' in lines[0]
    assert 'epoch_3.pth' in lines[0] and '\n' not in lines[0]


def test_empty_last_checkpoint_takes_the_highest_epoch(tmp_path):
    work = _work_dir(tmp_path)
    (work / 'last_checkpoint').write_text('')
    assert latest_intact_checkpoint(str(work)) == str(work / 'epoch_3.pth')
    cfg = Config(dict(work_dir=str(work), resume=False, load_from=None))
    set_resume(cfg, 'auto')
    assert cfg.resume and cfg.load_from == str(work / 'epoch_3.pth')


def test_copied_work_dir_resumes_from_its_own_files(tmp_path):
    original = _work_dir(tmp_path, epochs=(1, 2))
    copy = tmp_path / 'copy'
    shutil.copytree(original, copy)
    # the original goes on to epoch 3; the copy must not follow it
    torch.save(dict(state_dict={}), original / 'epoch_3.pth')
    (original / 'last_checkpoint').write_text(str(original / 'epoch_3.pth'))
    assert latest_intact_checkpoint(str(copy)) == str(copy / 'epoch_2.pth')
    (copy / 'last_checkpoint').write_text('epoch_1.pth')  # relative
    assert latest_intact_checkpoint(str(copy)) == str(copy / 'epoch_1.pth')


def test_nothing_intact_trains_from_the_start(tmp_path):
    work = _work_dir(tmp_path, epochs=(1, ))
    (work / 'epoch_1.pth').write_text('garbage')
    cfg = Config(dict(work_dir=str(work), resume=False, load_from=None))
    set_resume(cfg, 'auto')
    assert cfg.load_from is None and cfg.resume is False


def test_checkpoint_writes_are_atomic(tmp_path):
    install_safe_checkpoint_loading()
    path = tmp_path / 'epoch_1.pth'
    backend = get_file_backend(str(path))
    backend.put(b'complete', str(path))
    assert path.read_bytes() == b'complete'
    # a kill half-way through the next write leaves the old file alone
    from egohands.utils.atomic_file import atomic_write
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(str(path)) as f:
            f.write(b'half')
            raise KeyboardInterrupt
    assert path.read_bytes() == b'complete'
    assert [p.name for p in tmp_path.iterdir()] == ['epoch_1.pth']


def _tiny_checkpoint(tmp_path, tiny_config, change=None):
    cfg = Config.fromfile(str(tiny_config))
    state = MODELS.build(cfg.model).state_dict()
    if change:
        change(state)
    path = tmp_path / 'tiny.pth'
    torch.save(dict(state_dict=state, meta={}), path)
    return path


def _test_tool(tmp_path, tiny_config, toy_data_root, checkpoint):
    return run_cli(load_tool('test').main, [
        str(tiny_config), str(checkpoint), '--work-dir',
        str(tmp_path / 'test'), '--cfg-options', f'data_root={toy_data_root}'])


@pytest.mark.parametrize('case', ['head_shape', 'missing'])
def test_test_tool_refuses_a_checkpoint_that_does_not_fit(
        tmp_path, capsys, tiny_config, toy_data_root, case):
    def change(state):
        key = [k for k in state if k.startswith('head.')
               and k.endswith('weight')][-1]
        if case == 'head_shape':
            state[key] = torch.zeros(*[s + 1 for s in state[key].shape])
        else:
            del state[key]

    checkpoint = _tiny_checkpoint(tmp_path, tiny_config, change)
    assert _test_tool(tmp_path, tiny_config, toy_data_root, checkpoint) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line]
    assert len(err) == 1 and err[0].startswith('error: ')
    assert 'does not fit' in err[0] and str(checkpoint) in err[0]
    assert not (tmp_path / 'test' / 'metrics.json').exists()


def test_test_tool_on_a_text_checkpoint(tmp_path, capsys, tiny_config,
                                        toy_data_root):
    checkpoint = tmp_path / 'notes.pth'
    checkpoint.write_text('epoch 3 was the best\n')
    assert _test_tool(tmp_path, tiny_config, toy_data_root, checkpoint) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line]
    assert len(err) == 1 and 'text or truncated' in err[0]
