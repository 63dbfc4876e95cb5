# The model of `make demo`: a narrow ResNet-18 (timm, from scratch) with
# skip connections into a 2.5D heatmap head whose keypoints an MLP lifts to
# wrist-relative 3D, with grasp and Procrustes-aligned auxiliary losses, on
# 64 x 64 crops of EgoSynth, left hands mirrored into right hands.
# docs/egosynth.md has the numbers and the commands.
#   python tools/make_egosynth.py --out data/egosynth --train 4000 --val 400
#   python tools/train.py configs/integral/integral_resnet18-w32_1xb32-10e_egosynth-64x64.py
#   python tools/test.py CONFIG work_dirs/.../epoch_10.pth
_base_ = ['../_base_/default_runtime.py', '../_base_/datasets/egosynth.py']

crop_size = 64
batch_size, max_epochs, base_lr = 32, 10, 2e-3

model = dict(
    type='TopdownHandEstimator',
    data_preprocessor=dict(type='HandDataPreprocessor',
                           mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(type='TimmBackbone', model_name='resnet18',
                  channels=(32, 64, 128, 256), out_indices=(1, 2, 3)),
    head=dict(type='HeatmapLiftingHead', deconv_channels=(64, 64),
              skip_channels=(64, 32),
              lifter_channels=512,
              codec=dict(type='RootRelativeJointCodec'),
              keypoint_codec=dict(type='Pose25DCodec', depth_scale_mm=100.0),
              heatmap_weight=0.5, grasp_classes=3, grasp_weight=1.0,
              pa_weight=0.05),
    test_cfg=dict())

# left hands become right hands (the estimator mirrors predictions back)
mirror_left = dict(type='RandomFlip', direction='horizontal', prob=1.0,
                   hand_sides=('left', ))
crop = [dict(type='LoadImage'), dict(type='GetSquareBBox', padding=1.3)]
train_pipeline = crop + [
    dict(type='RandomBBoxTransform', scale_factor=0.15, rotate_factor=20.0,
         rotate_prob=0.5, shift_factor=0.05),
    dict(type='TopdownAffine', input_size=(crop_size, crop_size)),
    mirror_left,
    dict(type='HSVJitter', hue_delta=5, saturation_delta=30, value_delta=30,
         prob=0.5),
    dict(type='PackHandInputs'),
]
test_pipeline = crop + [
    dict(type='TopdownAffine', input_size=(crop_size, crop_size)),
    mirror_left,
    dict(type='PackHandInputs'),
]

train_dataloader = dict(batch_size=batch_size,
                        dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=64, dataset=dict(pipeline=test_pipeline))
# the demo renders no test split: test on validation
test_dataloader = dict(batch_size=64, dataset=dict(
    ann_file='annotations/val.json', pipeline=test_pipeline))

train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=1)
val_cfg = dict()
test_cfg = dict()

optim_wrapper = dict(optimizer=dict(type='AdamW', lr=base_lr,
                                    weight_decay=1e-4),
                     clip_grad=dict(max_norm=5.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.05, by_epoch=False, begin=0,
         end=200),
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min_ratio=0.02,
         by_epoch=True, begin=0, end=max_epochs, convert_to_iter_based=True),
]
default_hooks = dict(logger=dict(type='LoggerHook', interval=20))
