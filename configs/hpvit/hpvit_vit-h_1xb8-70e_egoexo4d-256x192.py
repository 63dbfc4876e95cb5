# HP-ViT with ViT-Huge: the recipe as it stands (docs/hpvit.md).
#   python tools/train.py configs/hpvit/hpvit_vit-h_1xb8-70e_egoexo4d-256x192.py
#   python tools/test.py CONFIG CKPT --tta          # vertical-flip TTA
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/recipes/hpvit_egoexo4d-256x192.py'
]
