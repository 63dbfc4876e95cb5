# The small multi-view model trained without extrinsic noise
# (docs/multiview.md, "Measured on an EgoSynth rig"): the same model, data
# and schedule, MultiViewExtrinsicNoise dropped from the training pipeline.
_base_ = ['./multiview_hiera-s_1xb8-10e_egosynth-rig-64x64.py']

train_pipeline = [
    dict(type='LoadMultiViewImages'),
    dict(type='MultiViewPerspectiveCrop', crop_size={{_base_.crop_size}},
         margin=1.2, rotation_jitter_deg=5.0, fov_jitter=0.1),
    dict(type='PackMultiViewInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
