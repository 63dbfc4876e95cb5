# HandNet, the small WildHands without KPE (the paper's Table 1 baseline):
# wildhands_resnet18-s_1xb16-10e_egosynth-wide-160x160.py but this line.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/recipes/wildhands-small_egosynth-wide.py'
]
model = dict(crop_encoding=None)
