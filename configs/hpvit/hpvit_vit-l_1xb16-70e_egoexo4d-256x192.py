# HP-ViT with ViT-Large: the recipe with ViT-L's numbers (docs/hpvit.md).
#   python tools/train.py configs/hpvit/hpvit_vit-l_1xb16-70e_egoexo4d-256x192.py
#   python tools/test.py CONFIG CKPT --tta          # vertical-flip TTA
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/recipes/hpvit_egoexo4d-256x192.py'
]

model = dict(
    backbone=dict(arch='large', drop_path_rate=0.5,
                  pretrained='checkpoints/vitpose-l.pth'),
    head=dict(embed_dim=1024, depth=12))
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.8))
train_dataloader = val_dataloader = test_dataloader = dict(batch_size=16)
