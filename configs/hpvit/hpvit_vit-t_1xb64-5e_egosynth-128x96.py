# A small HP-ViT for the CPU and the config of `make demo`: a 4-block
# ViT-Tiny with a convolutional stem on 128x96 (h x w) crops of EgoSynth,
# the joint-query decoder head told each hand's side, MPJPE loss on z-scored
# wrist-relative joints, AdamW with warm-up + cosine, the seed's
# photometric augmentations, and horizontal flips (left/right semantics) for
# augmentation and TTA. Trained from scratch in ~7 minutes on 2 cores.
#   python tools/make_egosynth.py --out data/egosynth --train 4000 --val 400
#   python tools/train.py configs/hpvit/hpvit_vit-t_1xb64-5e_egosynth-128x96.py
#   python tools/test.py CONFIG CKPT --tta
# Three departures from the seed's ViT-B/L/H recipe, all for training from
# scratch on a few thousand synthetic crops (no ImageNet/ViTPose weights
# reach this machine):
# - stem='conv': strided 3x3 convolutions instead of the 16x16 patchify
#   layer, which learns far too slowly from scratch;
# - side_conditioned=True: EgoSynth hands have no forearm, so a left hand
#   seen from the back has the silhouette of a right hand seen from the
#   palm; benchmarks give the side with each box, and the head uses it;
# - horizontal instead of vertical flips: a vertically flipped hand points
#   its fingers the other way, a second orientation mode this small model
#   cannot tell apart in its budget (trained with the seed's augmentations,
#   vertical flip included, it reached 35 mm validation PA-MPJPE, against
#   17 mm without any augmentation), while a horizontally flipped left hand
#   is an ordinary right hand.
_base_ = ['../_base_/default_runtime.py', '../_base_/datasets/egosynth.py']

img_size = (128, 96)  # (h, w) of the backbone input
input_size = (96, 128)  # (w, h) of TopdownAffine
batch_size, max_epochs, base_lr = 64, 5, 1e-3

codec = dict(type='RootRelativeJointCodec', stats_file=None)

model = dict(
    type='TopdownHandEstimator',
    data_preprocessor=dict(type='HandDataPreprocessor',
                           mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(type='ViTBackbone', arch='tiny', depth=4, stem='conv',
                  img_size=img_size, drop_path_rate=0.0),
    head=dict(type='JointQueryTransformerHead', in_channels=192,
              embed_dim=128, depth=2, dropout=0.0, codec=codec,
              side_conditioned=True, loss=dict(type='MPJPELoss')),
    test_cfg=dict())

crop = [
    dict(type='LoadImage'),
    dict(type='GetSquareBBox', padding=1.25),
    dict(type='TopdownAffine', input_size=input_size),
]
train_pipeline = crop + [
    dict(type='RandomFlip', direction='horizontal', prob=0.5),
    dict(type='HSVJitter', hue_delta=5, saturation_delta=30, value_delta=30,
         prob=0.5),
    dict(type='RandomBlur', prob=0.1),
    dict(type='RandomMedianBlur', prob=0.1),
    dict(type='CoarseDropout', prob=0.5, num_holes=1,
         hole_size_range=(0.1, 0.3)),
    dict(type='PackHandInputs'),
]
test_pipeline = crop + [dict(type='PackHandInputs')]
tta_pipeline = crop + [
    dict(type='TestTimeAug', transforms=[
        [dict(type='RandomFlip', direction='horizontal', prob=0.0),
         dict(type='RandomFlip', direction='horizontal', prob=1.0)],
        [dict(type='PackHandInputs')]])
]
tta_model = dict(type='HandFlipTTAModel')

train_dataloader = dict(batch_size=batch_size,
                        dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=64, dataset=dict(pipeline=test_pipeline))
# the demo renders no test split: test on validation
test_dataloader = dict(batch_size=64, dataset=dict(
    ann_file='annotations/val.json', pipeline=test_pipeline))

train_cfg = dict(by_epoch=True, max_epochs=max_epochs,
                 val_interval=max_epochs)
val_cfg = dict()
test_cfg = dict()

optim_wrapper = dict(
    constructor='LayerDecayOptimWrapperConstructor',
    optimizer=dict(type='AdamW', lr=base_lr, weight_decay=0.05),
    paramwise_cfg=dict(layer_decay_rate=1.0),
    clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-2, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, eta_min_ratio=0.01,
         by_epoch=True, begin=1, end=max_epochs, convert_to_iter_based=True),
]
default_hooks = dict(logger=dict(type='LoggerHook', interval=10))
