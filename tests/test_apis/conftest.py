"""A tiny model trained for a few iterations on the session's toy dataset,
shared by the inference, publishing and export tests."""
import contextlib
import io
from pathlib import Path

import pytest

import tool_loader


@pytest.fixture(scope='session')
def trained_tiny(tmp_path_factory, tiny_config, toy_data_root):
    """``(config path, checkpoint path, options)`` of the tiny estimator
    trained for one epoch (2 iterations) in this process."""
    work_dir = tmp_path_factory.mktemp('tiny_work')
    options = ['--cfg-options', f'data_root={toy_data_root}',
               'train_cfg.max_epochs=1', 'train_cfg.val_interval=10']
    train = tool_loader.load_tool('train')
    with contextlib.redirect_stdout(io.StringIO()):
        status = train.main([str(tiny_config), '--work-dir', str(work_dir)]
                            + options)
    assert status in (0, None)
    checkpoint = Path(work_dir) / 'epoch_1.pth'
    assert checkpoint.is_file()
    return str(tiny_config), str(checkpoint), options
