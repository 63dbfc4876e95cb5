# ArcticNet-SF (the ARCTIC single-frame baseline: full image, no crops, no
# KPE) at the recipe's size on wide EgoSynth.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/datasets/egosynth-wide_two_hand.py',
    '../_base_/models/wildhands.py'
]
model = dict(hand_model=dict(model_path='data/hand_models/synthetic'),
             hand_backbone=None, crop_encoding=None)
