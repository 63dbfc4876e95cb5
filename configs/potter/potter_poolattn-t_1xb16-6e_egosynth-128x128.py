# A small POTTER for the CPU: the baseline estimator of
# ../_base_/models/potter.py shrunk (pooling-attention widths 32-128, one
# or two blocks per stage, 32-bin joint volumes) on 128 x 128 crops of
# EgoSynth, from scratch at lr 1e-3 for 6 epochs, no augmentation.
#   python tools/make_egosynth.py --out data/egosynth
#   python tools/train.py CONFIG     (CONFIG = this file)
#   python tools/test.py CONFIG work_dirs/<config name>/epoch_6.pth
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/egosynth.py',
    '../_base_/models/potter.py'
]

model = dict(
    backbone=dict(depths=(1, 1, 2, 1), dims=(32, 64, 96, 128),
                  mlp_ratios=(2, 2, 2, 2), hr_depths=(1, 1, 1),
                  hr_mlp_ratios=(2, 2, 2), drop_rate=0.0, drop_path_rate=0.0),
    head=dict(hidden_channels=64, depth_dim=32, heatmap_size=(32, 32),
              regressor_channels=128))
train_cfg = dict(max_epochs=6, val_interval=6)
optim_wrapper = dict(optimizer=dict(lr=1e-3))

input_size = (128, 128)  # (w, h) of TopdownAffine
# the dataset base's crop (x1.25 square box), at this input size
train_pipeline = test_pipeline = [
    dict(t, input_size=input_size) if t.type == 'TopdownAffine' else t
    for t in _base_.test_pipeline
]
# the EgoSynth loaders and metric of ../_base_/datasets/egosynth.py
train_dataloader = dict(batch_size=16, dataset=dict(pipeline=train_pipeline))
val_dataloader = test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
default_hooks = dict(logger=dict(type='LoggerHook', interval=10))
