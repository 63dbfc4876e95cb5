# A small POTTER for the CPU: the baseline's architecture shrunk (pooling-
# attention widths 32-128, one or two blocks per stage, 32-bin joint
# volumes) on 128 x 128 crops of EgoSynth, masked MSE in the z-scored
# wrist-relative space, Adam with a constant learning rate, no augmentation
# (the baseline recipe of potter_egoexo.py, from scratch).
#   python tools/make_egosynth.py --out data/egosynth
#   python tools/train.py CONFIG     (CONFIG = this file)
#   python tools/test.py CONFIG work_dirs/<config name>/epoch_6.pth
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/egosynth.py'
]

input_size = (128, 128)  # (w, h) of TopdownAffine
heatmap_size = (32, 32)  # (h, w): input / 4
depth_dim = 32
batch_size, max_epochs, base_lr = 16, 6, 1e-3

codec = dict(type='RootRelativeJointCodec', stats_file=None)

model = dict(
    type='TopdownHandEstimator',
    data_preprocessor=dict(type='HandDataPreprocessor',
                           mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(type='POTTERBackbone', depths=(1, 1, 2, 1),
                  dims=(32, 64, 96, 128), mlp_ratios=(2, 2, 2, 2),
                  hr_depths=(1, 1, 1), hr_mlp_ratios=(2, 2, 2),
                  drop_rate=0.0, drop_path_rate=0.0),
    head=dict(type='Heatmap3DHandHead', in_channels=32, hidden_channels=64,
              depth_dim=depth_dim, heatmap_size=heatmap_size,
              regressor_channels=128, codec=codec,
              loss=dict(type='JointMSELoss')),
    test_cfg=dict())

pipeline = [
    dict(type='LoadImage'),
    dict(type='GetSquareBBox', padding=1.25),
    dict(type='TopdownAffine', input_size=input_size),
    dict(type='PackHandInputs'),
]
train_pipeline = pipeline
test_pipeline = pipeline

# the EgoSynth loaders and metric of ../_base_/datasets/egosynth.py
train_dataloader = dict(batch_size=batch_size,
                        dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))

train_cfg = dict(by_epoch=True, max_epochs=max_epochs,
                 val_interval=max_epochs)
val_cfg = dict()
test_cfg = dict()

optim_wrapper = dict(optimizer=dict(type='Adam', lr=base_lr))
param_scheduler = []  # constant learning rate, as the baseline
# low_res_norm is not read by the head (see potter_egoexo.py)
find_unused_parameters = True
default_hooks = dict(logger=dict(type='LoggerHook', interval=10))
