"""The same arguments give byte-identical files, with any number of
workers; another seed gives another dataset."""
import filecmp
import os

import pytest

from egohands.synth.egosynth import EgoSynthConfig, generate_egosynth

COUNTS = dict(train=34, val=3, test=0)  # two chunks, two splits


def _generate(out, hand_dir, seed, workers):
    generate_egosynth(str(out), COUNTS, seed=seed, model_dir=hand_dir,
                      config=EgoSynthConfig(width=96, height=96),
                      workers=workers, progress=False, log=lambda *_: None)
    return sorted(os.path.relpath(os.path.join(d, f), out)
                  for d, _, files in os.walk(out) for f in files)


@pytest.mark.slow
def test_same_seed_gives_identical_bytes_with_one_or_two_workers(
        tmp_path, hand_dir):
    files_a = _generate(tmp_path / 'a', hand_dir, seed=3, workers=1)
    files_b = _generate(tmp_path / 'b', hand_dir, seed=3, workers=2)
    assert files_a == files_b
    assert 'annotations/train.json' in files_a
    assert len([f for f in files_a if f.endswith('.jpg')]) == 37
    for name in files_a:
        assert filecmp.cmp(tmp_path / 'a' / name, tmp_path / 'b' / name,
                           shallow=False), name
    files_c = _generate(tmp_path / 'c', hand_dir, seed=4, workers=1)
    assert files_c == files_a
    assert not filecmp.cmp(tmp_path / 'a' / 'annotations' / 'train.json',
                           tmp_path / 'c' / 'annotations' / 'train.json',
                           shallow=False)
