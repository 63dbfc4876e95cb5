"""egohands.testing: small, fast fixtures for the tests of every part.

``make_toy_hand_dataset`` writes a tiny canonical-format dataset (drawn toy
hands, exact cameras) that trains and tests in seconds; ``toy_dataset_cfg``
and ``toy_pipeline`` turn it into dataset configs for tools and runners.
"""
from egohands.testing.toy_configs import toy_dataset_cfg, toy_pipeline
from egohands.testing.toy_dataset import make_toy_hand_dataset

__all__ = ['make_toy_hand_dataset', 'toy_dataset_cfg', 'toy_pipeline']
