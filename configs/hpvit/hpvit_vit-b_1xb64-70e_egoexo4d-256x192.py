# HP-ViT with ViT-Base: the recipe with ViT-B's numbers (docs/hpvit.md).
#   python tools/train.py configs/hpvit/hpvit_vit-b_1xb64-70e_egoexo4d-256x192.py
#   python tools/test.py CONFIG CKPT --tta          # vertical-flip TTA
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/recipes/hpvit_egoexo4d-256x192.py'
]

model = dict(
    backbone=dict(arch='base', drop_path_rate=0.3,
                  pretrained='checkpoints/vitpose-b.pth'),
    head=dict(embed_dim=768, depth=6))
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.75))
train_dataloader = val_dataloader = test_dataloader = dict(batch_size=64)
