# HP-ViT (PCIE_EgoHandPose, 1st place EgoExo4D hand pose 2024) with ViT-Huge:
# the recipe of ../_base_/recipes/hpvit_egoexo4d-256x192.py as it stands
# (its numbers are ViT-Huge's; seed_methods.md section 3).
#
# Needs data/egoexo4d (docs/egoexo4d.md) and ViTPose-H weights (COCO
# 256x192; ViTPose, mmpretrain or timm key names are all converted):
#   python tools/train.py configs/hpvit/hpvit_vit-h_1xb8-70e_egoexo4d-256x192.py
#   python tools/test.py CONFIG CKPT --tta          # vertical-flip TTA
# Reference (seed, val): MPJPE 23.08, PA-MPJPE 8.77; fine-tuned with RLE
# (hpvit-rle_vit-h_1xb8-20e_egoexo4d-256x192.py) and TTA: 22.87 / 8.73.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/recipes/hpvit_egoexo4d-256x192.py'
]
