# HP-ViT (PCIE_EgoHandPose, 1st place EgoExo4D hand pose 2024) with ViT-Large:
# the recipe of ../_base_/recipes/hpvit_egoexo4d-256x192.py with ViT-L's
# numbers (seed_methods.md section 3: drop path 0.5, a 12-layer 1024-wide
# decoder, layer decay 0.8, batch 16).
#
# Needs data/egoexo4d (docs/egoexo4d.md) and ViTPose-L weights (COCO
# 256x192; ViTPose, mmpretrain or timm key names are all converted):
#   python tools/train.py configs/hpvit/hpvit_vit-l_1xb16-70e_egoexo4d-256x192.py
#   python tools/test.py CONFIG CKPT --tta          # vertical-flip TTA
# Reference (seed, val): MPJPE 23.38, PA-MPJPE 9.06.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/recipes/hpvit_egoexo4d-256x192.py'
]

arch, head_dim, head_depth = 'large', 1024, 12
drop_path_rate, layer_decay = 0.5, 0.8
batch_size = 16
pretrained = 'checkpoints/vitpose-l.pth'

# the recipe's dicts do not see the variables: each entry is set again
model = dict(
    backbone=dict(arch=arch, drop_path_rate=drop_path_rate,
                  pretrained=pretrained),
    head=dict(in_channels=1024, embed_dim=head_dim, depth=head_depth))
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=layer_decay))
# the batch size of the three loaders
train_dataloader = val_dataloader = test_dataloader = dict(
    batch_size=batch_size)
