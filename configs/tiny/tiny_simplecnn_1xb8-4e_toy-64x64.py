# The tiny estimator: SimpleCNN + RegressionHead in the z-scored
# wrist-relative target space, on the toy dataset of egohands.testing.
# Trains in seconds on a CPU; it exists to exercise the tools end to end.
#   python -c "from egohands.testing import make_toy_hand_dataset as m; \
#              m('data/toy', num_images=32)"
#   python tools/train.py configs/tiny/tiny_simplecnn_1xb8-4e_toy-64x64.py
# Another data root: --cfg-options data_root=/path/to/toy
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/egosynth.py'
]

data_root = 'data/toy/'
input_size = (64, 64)  # (w, h)

# stats_file=None: TargetStatsHook computes the statistics when training
# starts (tools/compute_target_stats.py writes a file to name here instead)
codec = dict(type='RootRelativeJointCodec', stats_file=None)

model = dict(
    type='TopdownHandEstimator',
    data_preprocessor=dict(type='HandDataPreprocessor',
                           mean=[127.5, 127.5, 127.5],
                           std=[64.0, 64.0, 64.0], bgr_to_rgb=True),
    backbone=dict(type='SimpleCNN', channels=(16, 32, 64)),
    head=dict(type='RegressionHead', hidden_dims=(128, ),
              codec=codec, loss=dict(type='MPJPELoss')),
    test_cfg=dict())

# the dataset base's crop (x1.25 square box), at this input size
test_pipeline = [
    dict(t, input_size=input_size) if t.type == 'TopdownAffine' else t
    for t in _base_.test_pipeline
]
train_pipeline = test_pipeline[:-1] + [
    dict(type='RandomFlip', direction='horizontal', prob=0.5),
    dict(type='PackHandInputs'),
]
# tools/test.py --tta: average the prediction of the crop and its mirror
tta_pipeline = test_pipeline[:-1] + [
    dict(type='TestTimeAug', transforms=[
        [dict(type='RandomFlip', direction='horizontal', prob=0.0),
         dict(type='RandomFlip', direction='horizontal', prob=1.0)],
        [dict(type='PackHandInputs')]])
]
tta_model = dict(type='HandFlipTTAModel')

# the loaders and metric of ../_base_/datasets/egosynth.py (the toy dataset
# has the same format) on data_root, without loader workers
train_dataloader = dict(batch_size=8, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root=data_root,
                                     pipeline=train_pipeline))
val_dataloader = dict(batch_size=8, num_workers=0, persistent_workers=False,
                      dataset=dict(data_root=data_root,
                                   pipeline=test_pipeline))
# the same entries over the base's test loader (annotations/test.json)
test_dataloader = val_dataloader

train_cfg = dict(by_epoch=True, max_epochs=4, val_interval=2)
val_cfg = dict()
test_cfg = dict()
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=2e-3, weight_decay=1e-4))
param_scheduler = [
    dict(type='MultiStepLR', milestones=[3], gamma=0.1, by_epoch=True)
]
default_hooks = dict(logger=dict(type='LoggerHook', interval=2))
