# HP-ViT ViT-Huge, fine-tuned with RLE: the seed's last training step
# (20 more epochs at lr 1e-4 from the MPJPE-trained model; "a low learning
# rate proved essential for stable training with RLE").
#
# RLE: the head also predicts a per-coordinate standard deviation and the
# loss is the residual log-likelihood with a Gaussian base density (as the
# seed paper says) plus the RealNVP residual density of the RLE paper.
# HP-ViT's released RLELoss3D had no flow: set
# model.head.loss.use_flow=False (and q_distribution='laplace') for it.
# Train hpvit_vit-h_1xb8-70e_egoexo4d-256x192.py first; load_from below
# names its last checkpoint:
#   python tools/train.py configs/hpvit/hpvit-rle_vit-h_1xb8-20e_egoexo4d-256x192.py
#       [--cfg-options load_from=work_dirs/.../best_mpjpe_epoch_N.pth]
# Reference (seed, val): MPJPE 23.11, PA-MPJPE 8.74; with TTA 22.87 / 8.73.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/egoexo4d.py'
]

img_size = (256, 192)  # (h, w) of the backbone input
input_size = (192, 256)  # (w, h) of TopdownAffine
arch, head_dim, head_depth = 'huge', 1280, 12
drop_path_rate, layer_decay = 0.55, 0.85
batch_size, max_epochs, base_lr = 8, 20, 1e-4
pretrained = None  # the whole model comes from load_from
load_from = 'work_dirs/hpvit_vit-h_1xb8-70e_egoexo4d-256x192/epoch_70.pth'

# statistics from the training annotations (TargetStatsHook at the start of
# training, or tools/compute_target_stats.py), then saved in checkpoints
codec = dict(type='RootRelativeJointCodec', stats_file=None)

model = dict(
    type='TopdownHandEstimator',
    data_preprocessor=dict(type='HandDataPreprocessor',
                           mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(type='ViTBackbone', arch=arch, img_size=img_size,
                  drop_path_rate=drop_path_rate, pretrained=pretrained),
    head=dict(type='JointQueryTransformerHead', in_channels=1280,
              embed_dim=head_dim, depth=head_depth, codec=codec,
              with_sigma=True,
              loss=dict(type='RLELoss', q_distribution='gaussian',
                        use_flow=True)),
    test_cfg=dict())

crop = [
    dict(type='LoadImage'),
    dict(type='GetSquareBBox', padding=1.25),
    # the whole padded box, grown to 3:4 (aspect_mode='crop' with
    # input_size=(256, 192) reproduces the released code's 192-high crop)
    dict(type='TopdownAffine', input_size=input_size),
]
train_pipeline = crop + [
    dict(type='RandomFlip', direction='vertical', prob=0.5),
    dict(type='HSVJitter', hue_delta=5, saturation_delta=30, value_delta=30,
         prob=0.5),
    dict(type='RandomBlur', prob=0.1),
    dict(type='RandomMedianBlur', prob=0.1),
    dict(type='CoarseDropout', prob=1.0, num_holes=1,
         hole_size_range=(0.2, 0.4)),
    dict(type='PackHandInputs'),
]
test_pipeline = crop + [dict(type='PackHandInputs')]
# tools/test.py --tta: the crop and its vertical mirror, averaged
tta_pipeline = crop + [
    dict(type='TestTimeAug', transforms=[
        [dict(type='RandomFlip', direction='vertical', prob=0.0),
         dict(type='RandomFlip', direction='vertical', prob=1.0)],
        [dict(type='PackHandInputs')]])
]
tta_model = dict(type='HandFlipTTAModel')

train_dataloader = dict(batch_size=batch_size,
                        dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=batch_size,
                      dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(batch_size=batch_size,
                       dataset=dict(pipeline=test_pipeline))

train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=1)
val_cfg = dict()
test_cfg = dict()

optim_wrapper = dict(
    constructor='LayerDecayOptimWrapperConstructor',
    optimizer=dict(type='AdamW', lr=base_lr, betas=(0.9, 0.999),
                   weight_decay=0.1),
    paramwise_cfg=dict(layer_decay_rate=layer_decay))
# per iteration: 1 epoch of linear warm-up, then a half cosine to
# min lr 5e-6 (scaled per layer like the lr itself)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1,
         eta_min_ratio=5e-6 / base_lr, by_epoch=True, begin=1,
         end=max_epochs, convert_to_iter_based=True),
]
