# A small HaMeR for the CPU: ViTPose-style ViT-Tiny (4 blocks) on the
# central 128x96 (h x w) of 128x128 EgoSynth crops, the MANO transformer
# decoder head (2 layers, 128-d) on the synthetic MANO-format hand, HaMeR's
# losses (wrist-relative 3D, 2D, MANO parameters; summed), camera model and
# augmentations (box jitter, colour scale, left hands mirrored to right).
# From scratch, so a higher learning rate than HaMeR's 1e-5. A CPU demo: it
# does not learn the global orientation well enough for HaMeR-align to help
# (docs/hamer.md has the measured numbers and why).
#   python tools/make_hand_model.py --out data/hand_models/synthetic
#   python tools/make_egosynth.py --out data/egosynth
#   python tools/train.py configs/hamer/hamer_vit-t_1xb16-20e_egosynth-128x128.py
#   python tools/test.py CONFIG CKPT
# HaMeR-align on the same checkpoint (absolute MPJPE under the true K):
#   python tools/test.py configs/hamer/hamer-align_vit-t_1xb16-20e_egosynth-128x128.py CKPT
_base_ = ['../_base_/default_runtime.py', '../_base_/datasets/egosynth.py']

hand_model_path = 'data/hand_models/synthetic'  # not MANO: see docs
crop_size = 128  # square crop; the backbone sees its central 128 x 96
batch_size, max_epochs, base_lr = 16, 20, 3e-4

model = dict(
    type='TopdownHandEstimator',
    data_preprocessor=dict(type='HandDataPreprocessor',
                           mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(type='ViTPoseBackbone', arch='tiny', depth=4,
                  img_size=(crop_size, crop_size * 3 // 4),
                  center_crop_input=True),
    head=dict(
        type='MANOTransformerHead', in_channels=192,
        hand_model=dict(type='MANOHand', model_path=hand_model_path,
                        side='right', flat_hand_mean=True),
        embed_dim=128, depth=2, num_heads=4, head_dim=32, mlp_dim=256,
        # HaMeR's camera: F = 5000 px on a 256-px crop, i.e. 2500 on 128
        focal_length=2500.0, image_size=crop_size,
        init_cam=(9.0, 0.0, 0.0), decoder_init_gain=0.01,
        # EgoSynth's lenses are wide (90-130 deg) and its hands far off the
        # axis: supervise the pose as the crop sees it, so that the virtual
        # camera's 2D agrees with the 3D (docs/hamer.md); HaMeR-align then
        # turns it into the camera frame
        pose_frame='crop',
        loss_keypoints_3d=dict(type='Keypoint3DLoss', loss_weight=0.05),
        loss_keypoints_2d=dict(type='Keypoint2DLoss', loss_weight=0.01),
        loss_mano=dict(type='MANOParamLoss', global_orient_weight=0.001,
                       hand_pose_weight=0.001, betas_weight=0.0005)),
    test_cfg=dict())

# left hands become right hands (the estimator mirrors predictions back)
mirror_left = dict(type='RandomFlip', direction='horizontal', prob=1.0,
                   hand_sides=('left', ))
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetSquareBBox', padding=1.5),
    dict(type='RandomBBoxTransform', scale_factor=0.3, rotate_factor=30.0,
         rotate_prob=0.6, shift_factor=0.02),
    dict(type='TopdownAffine', input_size=(crop_size, crop_size)),
    mirror_left,
    dict(type='ColorScale', low=0.8, high=1.2),
    dict(type='PackHandInputs'),
]
test_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetSquareBBox', padding=1.5),
    dict(type='TopdownAffine', input_size=(crop_size, crop_size)),
    mirror_left,
    dict(type='PackHandInputs'),
]

train_dataloader = dict(batch_size=batch_size,
                        dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
# EgoSynth's test split is not used: test on validation
test_dataloader = dict(dataset=dict(ann_file='annotations/val.json',
                                    pipeline=test_pipeline))

train_cfg = dict(by_epoch=True, max_epochs=max_epochs,
                 val_interval=max_epochs)
val_cfg = dict()
test_cfg = dict()

optim_wrapper = dict(optimizer=dict(type='AdamW', lr=base_lr,
                                    weight_decay=1e-4),
                     clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min_ratio=0.05,
         by_epoch=True, begin=0, end=max_epochs, convert_to_iter_based=True)
]
default_hooks = dict(logger=dict(type='LoggerHook', interval=20))
