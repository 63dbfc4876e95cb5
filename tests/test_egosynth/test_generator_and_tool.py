"""Work chunks, names, seeds and the command line of EgoSynth."""
import json

import numpy as np
import pytest

from egohands.synth.egosynth import EgoSynthConfig, sequence_rng
from egohands.synth.egosynth.generator import image_name, split_tasks
from tool_loader import load_tool


def test_chunks_cover_whole_sequences_independently_of_workers():
    config = EgoSynthConfig(seq_len=4, views=2)
    tasks = split_tasks('val', 100, 0, 'out', config)
    # 100 images = 12.5 sequences of 8 images -> 13 sequences, 4 per chunk
    assert [(t.start, t.stop) for t in tasks] == [(0, 4), (4, 8), (8, 12),
                                                   (12, 13)]
    assert {t.split for t in tasks} == {'val'}
    single = split_tasks('train', 70, 0, 'out', EgoSynthConfig())
    assert [(t.start, t.stop) for t in single] == [(0, 32), (32, 64),
                                                    (64, 70)]


def test_image_names_and_sequence_seeds():
    assert image_name(EgoSynthConfig(), 12, 0, 0) == '000012.jpg'
    assert image_name(EgoSynthConfig(seq_len=3), 12, 2, 0) == \
        '00012_002_0.jpg'
    draws = {(split, index): sequence_rng(7, split, index).uniform()
             for split in ('train', 'val') for index in range(3)}
    assert len(set(draws.values())) == 6
    assert sequence_rng(7, 'val', 1).uniform() == draws['val', 1]


def _load_tool(repo_root):
    return load_tool('make_egosynth')


def test_tool_rejects_bad_arguments_and_missing_models(repo_root, tmp_path,
                                                       capsys):
    from egohands.apis.cli import run_cli
    tool = _load_tool(repo_root)
    status = run_cli(tool.main, ['--out', str(tmp_path), '--size', '8'])
    assert status == 2
    assert '--size must be >= 32' in capsys.readouterr().err
    status = run_cli(tool.main, ['--out', str(tmp_path), '--hand-model',
                                 str(tmp_path / 'nowhere')])
    err = capsys.readouterr().err
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert 'MANO_RIGHT.pkl' in err and 'make_hand_model.py' in err
    assert not (tmp_path / 'annotations').exists()


@pytest.mark.slow
def test_tool_writes_a_loadable_dataset(run_python, tmp_path, hand_dir):
    result = run_python(['tools/make_egosynth.py', '--out', tmp_path / 'd',
                         '--train', 3, '--val', 2, '--test', 0, '--size', 64,
                         '--hand-model', hand_dir, '--workers', 1,
                         '--no-progress'])
    assert result.returncode == 0, result.stderr
    assert 'images/s' in result.stdout
    for split, count in (('train', 3), ('val', 2)):
        with open(tmp_path / 'd' / 'annotations' / f'{split}.json') as f:
            data = json.load(f)
        assert len(data['images']) == count
        for image in data['images']:
            assert (tmp_path / 'd' / image['file_name']).is_file()
    assert not (tmp_path / 'd' / 'annotations' / 'test.json').exists()
    assert np.isfinite([a['bbox'] for a in data['annotations']]).all()
