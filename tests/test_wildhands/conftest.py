"""Shared fixtures of the WildHands tests: the synthetic MANO-format hand."""
from pathlib import Path

import pytest


@pytest.fixture(scope='session')
def hand_dir(tmp_path_factory) -> Path:
    """Folder with the synthetic MANO-format hand (written once)."""
    from egohands.synth.hand import write_synthetic_model
    folder = tmp_path_factory.mktemp('wildhands_hand')
    write_synthetic_model(str(folder))
    return folder
