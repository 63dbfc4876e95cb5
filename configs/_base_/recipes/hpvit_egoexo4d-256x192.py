# The HP-ViT recipe on EgoExo4D (arXiv:2406.12219, 1st place EgoExo4D hand
# pose 2024; docs/hpvit.md), shared by the EgoExo4D configs of
# configs/hpvit: a ViT backbone on a 256x192 (h x w) crop + joint-query
# transformer decoder head, wrist-relative joints in mm z-scored per joint
# and axis, MPJPE loss, AdamW with layer-wise lr decay, 1 epoch of warm-up +
# half cosine, the seed's augmentations, vertical-flip TTA.
#
# The numbers are ViT-Huge's (the seed's best model). A variant overrides
# the dict entries that differ (model.backbone.arch, model.head.depth,
# optim_wrapper.paramwise_cfg.layer_decay_rate, the loaders' batch_size,
# ...): mmengine builds this file's dicts before it reads the variant, so a
# variable redefined there would reach nothing. The head's input width is
# the backbone's (TopdownHandEstimator reads backbone.out_channels).
# A config inherits ../default_runtime.py and this file: 2 levels.
_base_ = ['../datasets/egoexo4d.py']

img_size = (256, 192)  # (h, w) of the backbone input
input_size = (192, 256)  # (w, h) of TopdownAffine
max_epochs, base_lr = 70, 5e-4

# statistics from the training annotations (TargetStatsHook at the start of
# training, or tools/compute_target_stats.py), then saved in checkpoints
codec = dict(type='RootRelativeJointCodec', stats_file=None)

model = dict(
    type='TopdownHandEstimator',
    data_preprocessor=dict(type='HandDataPreprocessor',
                           mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(type='ViTBackbone', arch='huge', img_size=img_size,
                  drop_path_rate=0.55, pretrained='checkpoints/vitpose-h.pth'),
    head=dict(type='JointQueryTransformerHead', embed_dim=1280, depth=12,
              codec=codec,
              # HP-ViT's MPJPELoss divides by all B x 21 joints
              loss=dict(type='MPJPELoss', average_over='all')),
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

# the loaders of ../datasets/egoexo4d.py with this batch and these pipelines
train_dataloader = dict(batch_size=8, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=8, dataset=dict(pipeline=test_pipeline))
# the same entries over the base's test loader (the challenge test split)
test_dataloader = val_dataloader

train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=1)
val_cfg = dict()
test_cfg = dict()

optim_wrapper = dict(
    constructor='LayerDecayOptimWrapperConstructor',
    optimizer=dict(type='AdamW', lr=base_lr, betas=(0.9, 0.999),
                   weight_decay=0.1),
    paramwise_cfg=dict(layer_decay_rate=0.85))
# per iteration: 1 epoch of linear warm-up, then a half cosine to
# min lr 5e-6 (= 0.01 x base lr, scaled per layer like the lr itself)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, eta_min_ratio=0.01,
         by_epoch=True, begin=1, end=max_epochs, convert_to_iter_based=True),
]
