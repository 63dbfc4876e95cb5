"""Crafted pickles whose payload would create a marker file, fed through
every tool and config path that reads a pickle-based file: the payload
never runs, and the tool ends with one ``error:`` line naming the opt-in.
"""
import functools
import hashlib
import http.server
import os
import pickle
import threading

import numpy as np
import pytest
import torch

from egohands.apis.cli import run_cli
from egohands.utils.checkpoint import TRUST_PICKLE_ENV
from tool_loader import load_tool


class Payload:
    """Unpickling it creates ``marker`` (through ``builtins.eval``)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (eval, (f"open({self.marker!r}, 'w').close()", ))


@pytest.fixture
def marker(tmp_path, monkeypatch):
    monkeypatch.setenv(TRUST_PICKLE_ENV, '0')  # and restored afterwards
    path = tmp_path / 'payload_ran'
    yield path
    assert not path.exists(), 'the crafted pickle ran its payload'


def _one_error(capsys, *words):
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith('error: '), err
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def _mano_folder(tmp_path, marker):
    folder = tmp_path / 'mano'
    folder.mkdir()
    for name in ('MANO_RIGHT.pkl', 'MANO_LEFT.pkl'):
        with open(folder / name, 'wb') as f:
            pickle.dump({'v_template': np.zeros((778, 3)),
                         'hands_mean': Payload(marker)}, f, protocol=2)
    return folder


def test_prepare_mano_refuses_a_crafted_mano_file(tmp_path, marker, capsys):
    folder = _mano_folder(tmp_path, marker)
    status = run_cli(load_tool('prepare_mano').main,
                     ['--src', str(folder), '--out', str(tmp_path / 'out')])
    assert status == 2
    _one_error(capsys, 'MANO_RIGHT.pkl', 'eval', '--trust-pickle')
    assert not (tmp_path / 'out' / 'MANO_RIGHT.pkl').exists()


def test_make_egosynth_hand_model_loading_refuses_it(tmp_path, marker,
                                                     capsys):
    """What tools/make_egosynth.py does with --hand-model before it
    generates anything: check the folder, then build both hands."""
    from egohands.hand_models import build_hand_model
    tool = load_tool('make_egosynth')
    folder = _mano_folder(tmp_path, marker)

    def load_hand_model(argv):
        args = tool.parse_args(argv)
        tool.ensure_hand_model(args.hand_model)
        for side in ('right', 'left'):
            build_hand_model(dict(type='MANOHand', model_path=args.hand_model,
                                  side=side))

    assert run_cli(load_hand_model, ['--hand-model', str(folder), '--out',
                                     str(tmp_path / 'egosynth')]) == 2
    _one_error(capsys, 'MANO_RIGHT.pkl', TRUST_PICKLE_ENV)


def test_official_mano_globals_stay_allowed(tmp_path):
    """The allow-list still reads what a MANO file names (numpy arrays,
    sparse matrices, plain built-ins)."""
    from scipy import sparse

    from egohands.hand_models.mano_files import read_mano_pickle
    path = tmp_path / 'MANO_RIGHT.pkl'
    data = {'a': np.arange(6.0).reshape(2, 3), 'b': np.float64(2.5),
            'c': sparse.csc_matrix(np.eye(3)), 'd': {1, 2}, 'e': 'text'}
    with open(path, 'wb') as f:
        pickle.dump(data, f, protocol=2)
    read = read_mano_pickle(str(path))
    np.testing.assert_array_equal(read['a'], data['a'])
    assert read['b'] == 2.5 and read['d'] == {1, 2} and read['e'] == 'text'
    np.testing.assert_array_equal(read['c'].toarray(), np.eye(3))


def _crafted_dump(tmp_path, marker, suffix):
    path = tmp_path / f'dump{suffix}'
    content = dict(meta=dict(format='egohands-predictions'),
                   predictions=[Payload(marker)])
    if suffix == '.npz':  # an object array: pickled inside the .npz
        np.savez(path, meta_json=np.array('{}'),
                 img_id=np.array([Payload(marker)], dtype=object))
    else:
        with open(path, 'wb') as f:
            pickle.dump(content, f)
    return path


@pytest.mark.parametrize('suffix', ['.pkl', '.npz'])
def test_ensemble_refuses_a_crafted_dump(tmp_path, marker, capsys, suffix):
    dump = _crafted_dump(tmp_path, marker, suffix)
    assert run_cli(load_tool('ensemble').main, [str(dump), str(dump)]) == 2
    line = _one_error(capsys, str(dump))
    if suffix == '.pkl':
        assert '--trust-pickle' in line


def test_report_refuses_a_crafted_dump(tmp_path, marker, capsys,
                                       tiny_config):
    dump = _crafted_dump(tmp_path, marker, '.pkl')
    assert run_cli(load_tool('report').main, [str(tiny_config),
                                              str(dump)]) == 2
    _one_error(capsys, str(dump), '--trust-pickle')


def test_a_trusted_legacy_dump_is_read(tmp_path):
    from egohands.evaluation.prediction_dump import load_prediction_dump
    path = tmp_path / 'old.pkl'
    with open(path, 'wb') as f:
        pickle.dump(dict(meta=dict(format='egohands-predictions', version=1),
                         predictions=[dict(img_id=3)]), f)
    content = load_prediction_dump(str(path), trust_pickle=True)
    assert content['predictions'] == [dict(img_id=3)]


@pytest.fixture
def http_folder(tmp_path):
    """A local HTTP server over ``tmp_path / 'served'``: yields its URL."""
    folder = tmp_path / 'served'
    folder.mkdir()

    class QuietHandler(http.server.SimpleHTTPRequestHandler):

        def log_message(self, *args):
            pass

    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f'http://127.0.0.1:{server.server_address[1]}'
    server.shutdown()


def _served_checkpoint(folder, marker):
    path = folder / 'evil.pth'
    torch.save(dict(state_dict=dict(w=torch.zeros(1)),
                    meta=dict(x=Payload(marker))), path)
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def _train(tmp_path, tiny_config, toy_data_root, *options):
    return run_cli(load_tool('train').main, [
        str(tiny_config), '--work-dir', str(tmp_path / 'work'),
        '--cfg-options', f'data_root={toy_data_root}',
        'train_cfg.max_epochs=1', *options])


def test_remote_load_from_is_verified_and_weights_only(
        tmp_path, marker, capsys, http_folder, tiny_config, toy_data_root,
        monkeypatch):
    monkeypatch.setenv('EGOHANDS_CHECKPOINT_DIR', str(tmp_path / 'cache'))
    folder, url = http_folder
    _, sha256 = _served_checkpoint(folder, marker)
    # no hash: refused before anything is downloaded
    assert _train(tmp_path, tiny_config, toy_data_root,
                  f'load_from={url}/evil.pth') == 2
    _one_error(capsys, 'sha256', f'{url}/evil.pth')
    assert not (tmp_path / 'cache' / 'evil.pth').exists()
    # a wrong hash: the download is not kept
    assert _train(tmp_path, tiny_config, toy_data_root,
                  f'load_from={url}/evil.pth#sha256={"0" * 64}') == 2
    _one_error(capsys, 'sha256 mismatch')
    assert not (tmp_path / 'cache' / 'evil.pth').exists()
    # the right hash: downloaded, verified, then refused by weights-only
    assert _train(tmp_path, tiny_config, toy_data_root,
                  f'load_from={url}/evil.pth#sha256={sha256}') == 2
    _one_error(capsys, 'evil.pth', '--trust-pickle')


def test_remote_init_cfg_pretrained_goes_the_same_way(
        tmp_path, marker, http_folder, monkeypatch):
    from egohands.models.backbones.simple_cnn import SimpleCNN
    from egohands.utils.errors import CheckpointError
    monkeypatch.setenv('EGOHANDS_CHECKPOINT_DIR', str(tmp_path / 'cache'))
    folder, url = http_folder
    _, sha256 = _served_checkpoint(folder, marker)
    backbone = SimpleCNN(init_cfg=dict(
        type='Pretrained', checkpoint=f'{url}/evil.pth#sha256={sha256}'))
    with pytest.raises(CheckpointError, match='--trust-pickle'):
        backbone.init_weights()
    assert (tmp_path / 'cache' / 'evil.pth').is_file()  # verified copy


def test_local_load_from_text_truncated_or_crafted(tmp_path, marker, capsys,
                                                   tiny_config,
                                                   toy_data_root):
    crafted, _ = _served_checkpoint(tmp_path, marker)
    text = tmp_path / 'text.pth'
    text.write_text('not a checkpoint\n')
    good = tmp_path / 'good.pth'
    torch.save(dict(state_dict=dict(w=torch.zeros(3))), good)
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(good.read_bytes()[:200])
    for path, words in ((crafted, ('--trust-pickle', )),
                        (text, ('text or truncated', )),
                        (truncated, ('text or truncated', ))):
        assert _train(tmp_path, tiny_config, toy_data_root,
                      f'load_from={path}') == 2
        _one_error(capsys, str(path), *words)
