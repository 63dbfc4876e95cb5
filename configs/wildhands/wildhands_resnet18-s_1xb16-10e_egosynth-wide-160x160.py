# The small WildHands on wide-angle EgoSynth: crops + global feature + KPE
# (../_base_/recipes/wildhands-small_egosynth-wide.py; docs/wildhands.md).
#   python tools/make_hand_model.py --out data/hand_models/synthetic
#   python tools/make_egosynth.py --out data/egosynth-wide --fov 90 130
#   python tools/train.py configs/wildhands/wildhands_resnet18-s_1xb16-10e_egosynth-wide-160x160.py
#   python tools/test.py CONFIG work_dirs/<config name>/epoch_10.pth
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/recipes/wildhands-small_egosynth-wide.py'
]
