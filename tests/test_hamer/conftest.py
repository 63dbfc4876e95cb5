"""Shared fixtures of the HaMeR tests: the synthetic hand and small models."""
from pathlib import Path
from typing import Dict

import pytest


@pytest.fixture(scope='session')
def hand_dir(tmp_path_factory) -> Path:
    """Folder with the synthetic MANO-format hand (written once)."""
    from egohands.synth.hand import write_synthetic_model
    folder = tmp_path_factory.mktemp('hamer_hand')
    write_synthetic_model(str(folder))
    return folder


def small_head_cfg(hand_dir, **overrides) -> Dict:
    """A small ``MANOTransformerHead`` config (64-d tokens, 2 layers)."""
    cfg = dict(type='MANOTransformerHead', in_channels=48,
               hand_model=dict(type='MANOHand', model_path=str(hand_dir)),
               embed_dim=32, depth=2, num_heads=2, head_dim=16, mlp_dim=64,
               focal_length=2500.0, image_size=128, decoder_init_gain=0.01)
    cfg.update(overrides)
    return cfg


def small_estimator_cfg(hand_dir, **head_overrides) -> Dict:
    """A small HaMeR estimator on 128 x 128 crops (backbone 128 x 96)."""
    return dict(
        type='TopdownHandEstimator',
        data_preprocessor=dict(type='HandDataPreprocessor',
                               mean=[123.675, 116.28, 103.53],
                               std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
        backbone=dict(type='ViTPoseBackbone',
                      arch=dict(embed_dim=48, depth=2, num_heads=2),
                      img_size=(128, 96)),
        head=small_head_cfg(hand_dir, **head_overrides))
