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
    from egohands.synth.hand import write_synthetic_model
    folder = tmp_path_factory.mktemp('egosynth_hand')
    write_synthetic_model(str(folder))
    return str(folder)


@pytest.fixture(scope='session')
def hand_meshes(hand_dir):
    from egohands.synth.egosynth.hand_meshes import HandMeshes
    return HandMeshes(hand_dir)


@pytest.fixture(scope='session')
def small_dataset(tmp_path_factory, hand_dir) -> Path:
    """A 40-image EgoSynth train split at 128 px (seed 0, one worker)."""
    from egohands.synth.egosynth import EgoSynthConfig, generate_egosynth
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


@pytest.fixture(scope='session')
def rebuild_joints_mm(hand_dir):
    """``rebuild_joints_mm(ann)``: the (21, 3) joints, mm, of an annotation
    rebuilt from its ``mano`` record with the flat-hand-mean MANOHand."""
    import numpy as np
    import torch
    from egohands.hand_models import build_hand_model
    models = {side: build_hand_model(dict(model_path=hand_dir, side=side,
                                          flat_hand_mean=True))
              for side in ('left', 'right')}

    def rebuild(ann):
        mano = {k: torch.tensor([v], dtype=torch.float32)
                for k, v in ann['mano'].items()}
        output = models[ann['hand_side']](
            mano['hand_pose'], betas=mano['betas'],
            global_orient=mano['global_orient'], transl=mano['transl'])
        return output.joints_m[0].double().numpy() * 1000.0
    return rebuild
