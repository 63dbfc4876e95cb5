"""EgoSynth test fixtures: the synthetic hand and one small dataset, made
once per session under pytest's temporary folder."""
import json
from pathlib import Path

import pytest

#: the small dataset every format test reads (2 chunks of 32 images)
SMALL = dict(train=40, val=0, test=0)
SMALL_SIZE = 128


@pytest.fixture(scope='session')
def hand_dir(tmp_path_factory) -> str:
    """Folder with the synthetic MANO_RIGHT.pkl / MANO_LEFT.pkl."""
    from egohands.hand_models.synthetic import write_synthetic_model
    folder = tmp_path_factory.mktemp('egosynth_hand')
    write_synthetic_model(str(folder))
    return str(folder)


@pytest.fixture(scope='session')
def hand_meshes(hand_dir):
    from egohands.datasets.synthetic.hand_meshes import HandMeshes
    return HandMeshes(hand_dir)


@pytest.fixture(scope='session')
def small_dataset(tmp_path_factory, hand_dir) -> Path:
    """A 40-image EgoSynth train split at 128 px (seed 0, one worker)."""
    from egohands.datasets.synthetic import EgoSynthConfig, generate_egosynth
    out = tmp_path_factory.mktemp('egosynth_small')
    generate_egosynth(str(out), SMALL, seed=0, model_dir=hand_dir,
                      config=EgoSynthConfig(width=SMALL_SIZE,
                                            height=SMALL_SIZE),
                      workers=1, progress=False, log=lambda *_: None)
    return out


@pytest.fixture(scope='session')
def small_annotations(small_dataset) -> dict:
    with open(small_dataset / 'annotations' / 'train.json') as f:
        return json.load(f)
