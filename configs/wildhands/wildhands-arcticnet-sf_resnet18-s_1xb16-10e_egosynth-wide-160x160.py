# ArcticNet-SF at the small size: the full frame only (no crops, no KPE,
# no feature_conv), both heads on its pooled feature.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/recipes/wildhands-small_egosynth-wide.py'
]
model = dict(hand_backbone=None, crop_encoding=None)
