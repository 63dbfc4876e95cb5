"""Crafted bad inputs, each run through the real tool in this process."""
import shutil

import pytest

from egohands.apis.cli import run_cli
from tool_loader import load_tool


@pytest.fixture
def toy_copy(toy_data_root, tmp_path):
    """A private copy of the session's toy dataset (safe to damage)."""
    root = tmp_path / 'toy'
    shutil.copytree(toy_data_root, root)
    return root


@pytest.fixture
def run_tool_once(capsys):
    """``run_tool_once(tool, argv) -> (status, error line or None)``.

    Runs ``tools/<tool>.py`` through ``run_cli`` and checks what a user
    sees on stderr: no traceback, and at most one ``error:`` line, which is
    the last line."""
    def run(tool, argv):
        capsys.readouterr()
        status = run_cli(load_tool(tool).main, [str(a) for a in argv])
        err = capsys.readouterr().err
        assert 'Traceback' not in err, err[-3000:]
        errors = [line for line in err.splitlines()
                  if line.startswith('error:')]
        assert len(errors) <= 1, err[-3000:]
        if errors:
            assert err.strip().splitlines()[-1] == errors[0]
            assert status == 2
        return status, errors[0] if errors else None
    return run
