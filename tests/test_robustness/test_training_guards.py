"""A diverged run stops at once; a busy work dir refuses a second run.

The runs are the real ``tools/train.py`` on the tiny config and the toy
dataset of the session fixture ``toy_data_root``, in subprocesses, so the
exit status and the exact stderr are what a user sees."""
import json
import os
import socket
import subprocess
import sys

import pytest
import torch

from egohands.apis.work_dir_lock import LOCK_NAME, acquire_work_dir_lock
from egohands.utils.errors import ConfigError, WorkDirBusyError


def _error_line(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line]
    assert len(lines) == 1 and lines[0].startswith('error: '), stderr[-2000:]
    return lines[0]


def _train(run_python, config, work_dir, data_root, *options, extra=()):
    return run_python(['tools/train.py', config, '--work-dir', work_dir] +
                      list(extra) + ['--cfg-options', f'data_root={data_root}',
                                     *options])


@pytest.mark.slow
def test_lr_1e10_stops_at_the_first_non_finite_loss(tmp_path, tiny_config,
                                                     toy_data_root,
                                                     run_python):
    work = tmp_path / 'work'
    run = _train(run_python, tiny_config, work, toy_data_root,
                 'optim_wrapper.optimizer.lr=1e10')
    assert run.returncode == 2
    line = _error_line(run.stderr)
    assert 'training stopped at iteration ' in line
    assert 'ann_id ' in line and 'is kept (none)' in line
    assert not list(work.glob('*.pth'))  # nothing with NaN weights saved
    assert not (work / LOCK_NAME).exists()


@pytest.mark.slow
def test_divergence_in_epoch_2_keeps_the_finite_epoch_1_checkpoint(
        tmp_path, tiny_config, toy_data_root, run_python):
    """The learning rate jumps by 1e13 after epoch 1 (MultiStepLR)."""
    work = tmp_path / 'work'
    run = _train(run_python, tiny_config, work, toy_data_root,
                 'train_cfg.max_epochs=3', 'train_cfg.val_interval=10',
                 'param_scheduler.0.milestones=[1]',
                 'param_scheduler.0.gamma=1e13')
    assert run.returncode == 2
    line = _error_line(run.stderr)
    assert '(epoch 2' in line and 'epoch_1.pth' in line
    assert sorted(p.name for p in work.glob('*.pth')) == ['epoch_1.pth']
    assert (work / 'last_checkpoint').read_text().strip().endswith(
        'epoch_1.pth')
    state = torch.load(work / 'epoch_1.pth', map_location='cpu',
                       weights_only=False)['state_dict']
    assert all(torch.isfinite(v).all() for v in state.values()
               if v.is_floating_point())


def test_a_second_run_is_refused_and_a_stale_lock_taken_over(tmp_path):
    work = tmp_path / 'work'
    release = acquire_work_dir_lock(str(work))
    owner = json.loads((work / LOCK_NAME).read_text())
    assert owner['pid'] == os.getpid()
    assert owner['host'] == socket.gethostname()
    with pytest.raises(WorkDirBusyError, match=f'in use by pid {os.getpid()}'
                       '.*--share-work-dir'):
        acquire_work_dir_lock(str(work))
    acquire_work_dir_lock(str(work), share=True)()  # asked to share
    release()
    assert not (work / LOCK_NAME).exists()
    # a lock of a process that has ended (a killed run) is taken over
    dead = subprocess.run([sys.executable, '-c', 'import os; print(os.getpid())'],
                          capture_output=True, text=True)
    (work / LOCK_NAME).write_text(json.dumps(
        dict(pid=int(dead.stdout), host=socket.gethostname(), started='x')))
    said = []
    release = acquire_work_dir_lock(str(work), log=said.append)
    assert 'stale lock' in said[0] and 'is gone' in said[0]
    assert json.loads((work / LOCK_NAME).read_text())['pid'] == os.getpid()
    release()
    # a lock of another host cannot be checked: it is honoured
    (work / LOCK_NAME).write_text(json.dumps(
        dict(pid=1, host='another-host.example', started='x')))
    with pytest.raises(WorkDirBusyError, match='another-host.example'):
        acquire_work_dir_lock(str(work))


def test_a_work_dir_that_is_a_file_is_refused(tmp_path):
    path = tmp_path / 'file'
    path.write_text('x')
    with pytest.raises(ConfigError, match='is a file'):
        acquire_work_dir_lock(str(path))


@pytest.mark.slow
def test_train_refuses_a_busy_work_dir_in_one_line(tmp_path, tiny_config,
                                                   toy_data_root,
                                                   run_python):
    """A live process (this one) holds the lock: tools/train.py refuses
    before writing anything; --share-work-dir runs anyway."""
    work = tmp_path / 'work'
    release = acquire_work_dir_lock(str(work))
    try:
        run = _train(run_python, tiny_config, work, toy_data_root,
                     'train_cfg.max_epochs=1')
        assert run.returncode == 2
        line = _error_line(run.stderr)
        assert f'in use by pid {os.getpid()}' in line
        assert sorted(p.name for p in work.iterdir()) == [LOCK_NAME]
        shared = _train(run_python, tiny_config, work, toy_data_root,
                        'train_cfg.max_epochs=1',
                        extra=['--share-work-dir'])
        assert shared.returncode == 0, shared.stderr[-2000:]
        assert (work / 'epoch_1.pth').is_file()
    finally:
        release()
