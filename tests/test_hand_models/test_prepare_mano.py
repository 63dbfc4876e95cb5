"""tools/prepare_mano.py: official (chumpy) MANO pickles -> plain numpy."""
import pickle

import numpy as np
import pytest
import torch

from egohands.apis.cli import run_cli
from egohands.hand_models import MANOHand
from egohands.utils.errors import MissingAssetError

from .fake_chumpy import write_official_like

FILES = ('MANO_RIGHT.pkl', 'MANO_LEFT.pkl')


@pytest.fixture(scope='module')
def tool(load_tool):
    return load_tool('prepare_mano')


@pytest.fixture
def official_dir(tmp_path, model_data):
    folder = tmp_path / 'mano_v1_2' / 'models'
    folder.mkdir(parents=True)
    for name, side in zip(FILES, ('right', 'left')):
        write_official_like(folder / name, model_data[side])
    return folder


def test_official_like_files_need_chumpy(official_dir):
    with open(official_dir / 'MANO_RIGHT.pkl', 'rb') as f:
        with pytest.raises(ModuleNotFoundError, match='chumpy'):
            pickle.load(f, encoding='latin1')
    with pytest.raises(MissingAssetError, match='tools/prepare_mano.py'):
        MANOHand(str(official_dir))


def test_converted_files_give_the_original_vertices(tool, official_dir,
                                                    tmp_path, synthetic_dir,
                                                    model_data):
    import contextlib
    import io

    import smplx
    out = tmp_path / 'prepared'
    assert tool.main(['--src', str(official_dir), '--out', str(out)]) == 0
    for name, side in zip(FILES, ('right', 'left')):
        with open(out / name, 'rb') as f:
            converted = pickle.load(f)
        assert set(converted) == set(model_data[side])
        for key, value in model_data[side].items():
            if isinstance(value, np.ndarray):
                assert type(converted[key]) is np.ndarray, key
                np.testing.assert_array_equal(converted[key], value)
        gen = torch.Generator().manual_seed(0)
        inputs = dict(hand_pose=0.5 * torch.randn(2, 45, generator=gen),
                      betas=torch.randn(2, 10, generator=gen),
                      global_orient=torch.randn(2, 3, generator=gen))
        with contextlib.redirect_stdout(io.StringIO()), torch.no_grad():
            got = smplx.MANO(str(out), is_rhand=side == 'right',
                             use_pca=False)(**inputs).vertices
            want = smplx.MANO(str(synthetic_dir), is_rhand=side == 'right',
                              use_pca=False)(**inputs).vertices
        # the files' arrays are equal bit for bit (above); the vertices go
        # through BLAS, whose rounding differs between CPUs (2e-8 m seen)
        torch.testing.assert_close(got, want, atol=1e-6, rtol=0)
    hand = MANOHand(str(out), side='left')
    assert hand.v_template.shape == (778, 3)


def test_missing_sources_end_with_one_clear_error(tool, tmp_path, capsys):
    status = run_cli(tool.main, ['--src', str(tmp_path), '--out',
                                 str(tmp_path / 'out')])
    assert status == 2
    err = capsys.readouterr().err
    assert err.startswith('error: no MANO_RIGHT.pkl or MANO_LEFT.pkl in')
    assert 'https://mano.is.tue.mpg.de' in err
    assert 'Traceback' not in err


def test_refuses_to_overwrite_the_official_files(tool, official_dir):
    before = (official_dir / 'MANO_RIGHT.pkl').read_bytes()
    with pytest.raises(MissingAssetError, match='source folder'):
        tool.main(['--src', str(official_dir), '--out', str(official_dir)])
    assert (official_dir / 'MANO_RIGHT.pkl').read_bytes() == before
