# HP-ViT (PCIE_EgoHandPose, 1st place EgoExo4D hand pose 2024) with ViT-Base:
# the recipe of ../_base_/recipes/hpvit_egoexo4d-256x192.py with ViT-B's
# numbers (seed_methods.md section 3: drop path 0.3, a 6-layer 768-wide
# decoder, layer decay 0.75, batch 64).
#
# Needs data/egoexo4d (docs/egoexo4d.md) and ViTPose-B weights (COCO
# 256x192; ViTPose, mmpretrain or timm key names are all converted):
#   python tools/train.py configs/hpvit/hpvit_vit-b_1xb64-70e_egoexo4d-256x192.py
#   python tools/test.py CONFIG CKPT --tta          # vertical-flip TTA
# Reference (seed, val): MPJPE 24.67, PA-MPJPE 9.31.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/recipes/hpvit_egoexo4d-256x192.py'
]

arch, head_dim, head_depth = 'base', 768, 6
drop_path_rate, layer_decay = 0.3, 0.75
batch_size = 64
pretrained = 'checkpoints/vitpose-b.pth'

# the recipe's dicts do not see the variables: each entry is set again
model = dict(
    backbone=dict(arch=arch, drop_path_rate=drop_path_rate,
                  pretrained=pretrained),
    head=dict(in_channels=768, embed_dim=head_dim, depth=head_depth))
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=layer_decay))
# the batch size of the three loaders
train_dataloader = val_dataloader = test_dataloader = dict(
    batch_size=batch_size)
