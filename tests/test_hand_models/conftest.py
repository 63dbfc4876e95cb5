"""The synthetic hand model, written once per test session."""
import pickle
from pathlib import Path

import pytest

import tool_loader


@pytest.fixture(scope='session')
def synthetic_dir(tmp_path_factory) -> Path:
    """Folder with the synthetic MANO_RIGHT.pkl and MANO_LEFT.pkl."""
    from egohands.synth.hand import write_synthetic_model
    folder = tmp_path_factory.mktemp('synthetic_hand')
    write_synthetic_model(str(folder))
    return folder


@pytest.fixture(scope='session')
def model_data(synthetic_dir):
    """{'right': dict, 'left': dict} as read by a plain pickle.load."""
    out = {}
    for side, name in (('right', 'MANO_RIGHT.pkl'), ('left', 'MANO_LEFT.pkl')):
        with open(synthetic_dir / name, 'rb') as f:
            out[side] = pickle.load(f, encoding='latin1')
    return out


@pytest.fixture(scope='session')
def smplx_mano(synthetic_dir):
    """``smplx_mano(side, **kwargs)``: an ``smplx.MANO`` on the synthetic
    files (the 10-betas warning silenced)."""
    import contextlib
    import io

    import smplx

    def make(side='right', **kwargs):
        with contextlib.redirect_stdout(io.StringIO()):
            return smplx.MANO(str(synthetic_dir), is_rhand=side == 'right',
                              **kwargs)
    return make


@pytest.fixture(scope='session')
def load_tool():
    """``load_tool(name)``: the module of ``tools/<name>.py``, imported in
    process (its ``main(argv)`` runs without a subprocess)."""
    return tool_loader.load_tool
