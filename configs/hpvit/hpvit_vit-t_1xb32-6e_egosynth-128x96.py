# A small HP-ViT for the CPU: ViT-Tiny with few blocks on 128x96 (h x w)
# crops of EgoSynth, joint-query decoder head, MPJPE loss, layer-wise lr
# decay, warm-up + cosine, the seed's augmentations and vertical-flip TTA.
# Meant for `make demo` (trained from scratch in minutes on 2 cores); its
# sizes and schedule are still to be tuned against the final EgoSynth.
#   python tools/make_egosynth.py --out data/egosynth
#   python tools/train.py configs/hpvit/hpvit_vit-t_1xb32-6e_egosynth-128x96.py
#   python tools/test.py CONFIG CKPT --tta
_base_ = ['../_base_/default_runtime.py']

data_root = 'data/egosynth/'
img_size = (128, 96)  # (h, w) of the backbone input
input_size = (96, 128)  # (w, h) of TopdownAffine
batch_size, max_epochs, base_lr = 32, 6, 1e-3

codec = dict(type='RootRelativeJointCodec', stats_file=None)

model = dict(
    type='TopdownHandEstimator',
    data_preprocessor=dict(type='HandDataPreprocessor',
                           mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(type='ViTBackbone', arch='tiny', depth=4,
                  img_size=img_size, drop_path_rate=0.0),
    head=dict(type='JointQueryTransformerHead', in_channels=192,
              embed_dim=128, depth=2, dropout=0.0, codec=codec,
              loss=dict(type='MPJPELoss')),
    test_cfg=dict())

crop = [
    dict(type='LoadImage'),
    dict(type='GetSquareBBox', padding=1.25),
    dict(type='TopdownAffine', input_size=input_size),
]
train_pipeline = crop + [
    dict(type='RandomFlip', direction='vertical', prob=0.5),
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
        [dict(type='RandomFlip', direction='vertical', prob=0.0),
         dict(type='RandomFlip', direction='vertical', prob=1.0)],
        [dict(type='PackHandInputs')]])
]
tta_model = dict(type='HandFlipTTAModel')

dataset_type = 'EgoHandsCocoDataset'
train_dataloader = dict(
    batch_size=batch_size, num_workers=1, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root,
                 ann_file='annotations/train.json', data_prefix=dict(img=''),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64, num_workers=1, persistent_workers=True, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(type=dataset_type, data_root=data_root,
                 ann_file='annotations/val.json', data_prefix=dict(img=''),
                 test_mode=True, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='HandKeypoint3DMetric')
test_evaluator = val_evaluator

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
