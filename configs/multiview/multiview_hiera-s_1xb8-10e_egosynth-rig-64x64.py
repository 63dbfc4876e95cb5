# A small multi-view model for the CPU (docs/multiview.md, "Model and
# configs"): Jiiov's design (UV regressor, split FTL, concatenation fusion,
# MANO PCA head in the challenge's conventions) on a shrunk Hiera, on
# 64-px perspective crops of an EgoSynth camera rig.
#   python tools/make_hand_model.py --out data/hand_models/synthetic
#   python tools/make_egosynth.py --out data/egosynth_rig --views 2 \
#       --seq-len 8 --train 2000 --val 200 --test 0 --size 256 --fov 90 110
#   python tools/train.py configs/multiview/multiview_hiera-s_1xb8-10e_egosynth-rig-64x64.py
#   python tools/test.py CONFIG CKPT
# The 1-view variant of the same model: change `views` to (0, ).
_base_ = ['../_base_/default_runtime.py']

views = (0, 1)  # rig cameras a sample holds; (0, ) = the 1-view model
crop_size = 64
data_root = 'data/egosynth_rig/'
hand_model_path = 'data/hand_models/synthetic'  # not MANO: docs/hand_models.md

model = dict(
    type='MultiViewHandEstimator',
    num_views=len(views),
    crop_size=crop_size,
    data_preprocessor=dict(type='MultiViewDataPreprocessor',
                           mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    # a shrunk Hiera from timm (from scratch): feat2d at stride 16, 4x4
    backbone=dict(type='TimmBackbone', model_name='hiera_tiny_224',
                  img_size=(crop_size, crop_size), embed_dim=32,
                  num_heads=1, stages=(1, 1, 2, 1), out_indices=(2, )),
    uv_regressor=dict(type='UVRegressor', hidden_channels=32),
    lifter=dict(type='FeatureLifter', invariant_points=8, variant_points=4,
                hidden_channels=64),
    ftl=dict(type='SplitFTL'),
    fusion=dict(type='ConcatViewFusion', out_channels=48, num_blocks=2),
    head=dict(type='MultiViewMANOHead', hidden_dims=(256, ),
              hand_model=dict(model_path=hand_model_path)))

train_pipeline = [
    dict(type='LoadMultiViewImages'),
    # crop jitter: turns and field-of-view changes of the crop camera
    dict(type='MultiViewPerspectiveCrop', crop_size=crop_size, margin=1.2,
         rotation_jitter_deg=5.0, fov_jitter=0.1),
    # extrinsic noise on the crop poses the FTL uses (metres)
    dict(type='MultiViewExtrinsicNoise', translation_m=0.01),
    dict(type='PackMultiViewInputs'),
]
test_pipeline = [
    dict(type='LoadMultiViewImages'),
    dict(type='MultiViewPerspectiveCrop', crop_size=crop_size, margin=1.2),
    dict(type='PackMultiViewInputs'),
]


def __rig(split):
    return dict(type='EgoHandsCocoDataset', data_root=data_root,
                ann_file=f'annotations/{split}.json',
                data_prefix=dict(img=''))


train_dataloader = dict(
    batch_size=8, num_workers=1, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='MultiViewDataset', dataset=__rig('train'),
                 views=views, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8, num_workers=1, persistent_workers=True, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(type='MultiViewDataset', dataset=__rig('val'),
                 views=views, test_mode=True, pipeline=test_pipeline))
test_dataloader = val_dataloader

# predictions and targets are absolute, in the reference camera: the
# metric adds mpjpe_abs to the root-relative numbers
val_evaluator = dict(type='HandKeypoint3DMetric')
test_evaluator = val_evaluator

train_cfg = dict(by_epoch=True, max_epochs=10, val_interval=10)
val_cfg = dict()
test_cfg = dict()
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=1e-3,
                                    weight_decay=1e-2),
                     clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=10, eta_min_ratio=0.05,
         by_epoch=True, begin=0, end=10, convert_to_iter_based=True)
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2,
                    save_best='mpjpe_abs', rule='less'))
