# The WildHands recipe (../_base_/models/wildhands.py: ImageNet ResNet-50s,
# 224-px frame and crops of 1.5x the hand box, KPE, Adam 1e-5, batch 32,
# 100 epochs) on wide-angle EgoSynth with the synthetic hand
# (docs/wildhands.md). timm downloads the ImageNet weights.
#   python tools/train.py configs/wildhands/wildhands_resnet50_1xb32-100e_egosynth-wide-224x224.py
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/datasets/egosynth-wide_two_hand.py',
    '../_base_/models/wildhands.py'
]
model = dict(hand_model=dict(model_path='data/hand_models/synthetic'))
