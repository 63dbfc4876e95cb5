# HP-ViT ViT-Huge fine-tuned with RLE, the seed's last training step: 20
# more epochs at lr 1e-4 from the MPJPE-trained model (docs/hpvit.md).
# The head also predicts a per-coordinate standard deviation; the loss is
# the residual log-likelihood with a Gaussian base density plus the RealNVP
# residual density (model.head.loss.use_flow=False and
# q_distribution='laplace' give HP-ViT's released RLELoss3D, without flow).
# Train hpvit_vit-h_1xb8-70e_egoexo4d-256x192.py first; load_from names its
# last checkpoint:
#   python tools/train.py configs/hpvit/hpvit-rle_vit-h_1xb8-20e_egoexo4d-256x192.py
#       [--cfg-options load_from=work_dirs/.../best_mpjpe_epoch_N.pth]
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/recipes/hpvit_egoexo4d-256x192.py'
]

max_epochs, base_lr = 20, 1e-4
pretrained = None  # the whole model comes from load_from
load_from = 'work_dirs/hpvit_vit-h_1xb8-70e_egoexo4d-256x192/epoch_70.pth'

model = dict(
    backbone=dict(pretrained=pretrained),
    head=dict(with_sigma=True,
              # replaces the recipe's MPJPE loss and its options
              loss=dict(_delete_=True, type='RLELoss',
                        q_distribution='gaussian', use_flow=True)))
train_cfg = dict(max_epochs=max_epochs)
optim_wrapper = dict(optimizer=dict(lr=base_lr))
# the recipe's warm-up epoch, then a half cosine to min lr 5e-6 (scaled per
# layer like the lr itself)
param_scheduler = [
    _base_.param_scheduler[0],
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1,
         eta_min_ratio=5e-6 / base_lr, by_epoch=True, begin=1,
         end=max_epochs, convert_to_iter_based=True),
]
