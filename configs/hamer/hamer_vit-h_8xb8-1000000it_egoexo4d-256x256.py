# HaMeR (Pavlakos et al., CVPR 2024) as released: ViTPose-H backbone on the
# central 256x192 (h x w) of a 256x256 hand crop, MANO transformer-decoder
# head (one query, 6 layers, 1024-d, cross-attention to the 1280-d image
# tokens), weak-perspective camera (F = 5000 px on the 256-px crop), left
# hands mirrored to right hands. Recipe of the official code
# (seed_methods.md section 1): summed losses with weights 3D 0.05, 2D 0.01,
# global orient 0.001, hand pose 0.001, betas 0.0005, adversarial 0.0005;
# AdamW lr 1e-5, weight decay 1e-4, no schedule, batch 8 x 8 GPUs, 1M
# iterations; box scale/rotation/shift jitter and colour scaling.
#
# HaMeR trained on a mixture of ten datasets that egohands does not ship;
# this config trains on EgoExo4D (2D + 3D, no MANO labels) and evaluates on
# its validation split. Point train_dataloader at other canonical-format
# datasets (docs/data_format.md) to get closer to the original mixture.
#
# Needs:
#   data/mano/MANO_RIGHT.pkl: the real MANO (register at
#     https://mano.is.tue.mpg.de; python tools/prepare_mano.py --src DL
#     --out data/mano). Without it, the synthetic stand-in (NOT MANO; the
#     released weights do not fit it):
#     python tools/make_hand_model.py --out data/hand_models/synthetic
#     --cfg-options model.head.hand_model.model_path=data/hand_models/synthetic
#   data/egoexo4d (docs/egoexo4d.md);
#   the ViTPose-H body weights of HaMeR's training data (vitpose_backbone.pth)
#     as `pretrained`, and freihand_mocap.npz for the adversarial prior.
# The released model instead: python tools/convert_checkpoint.py hamer
#   _DATA/hamer_ckpts/checkpoints/hamer.ckpt checkpoints/hamer.pth
#   (model_zoo.md), then
#   python tools/test.py configs/hamer/hamer_vit-h_8xb8-1000000it_egoexo4d-256x256.py checkpoints/hamer.pth
#   HaMeR-align: configs/hamer/hamer-align_vit-h_egoexo4d-256x256.py
# Reference (seed 001, EgoExo4D test): HaMeR MPJPE 76.95, PA-MPJPE 10.36;
# HaMeR-align 36.75 / 10.36.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/egoexo4d.py'
]

mano_path = 'data/mano'
pretrained = 'checkpoints/hamer_vitpose_backbone.pth'
mocap_file = 'data/hamer/freihand_mocap.npz'
crop_size = 256
batch_size, max_iters, base_lr = 8, 1_000_000, 1e-5

model = dict(
    type='TopdownHandEstimator',
    # ImageNet mean / std on RGB, as HaMeR
    data_preprocessor=dict(type='HandDataPreprocessor',
                           mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(type='ViTPoseBackbone', arch='huge', img_size=(256, 192),
                  patch_padding=2, drop_path_rate=0.55,
                  center_crop_input=True, pretrained=pretrained,
                  checkpoint_key_style='vitpose'),
    head=dict(
        type='MANOTransformerHead', in_channels=1280,
        hand_model=dict(type='MANOHand', model_path=mano_path, side='right',
                        flat_hand_mean=True),
        embed_dim=1024, depth=6, num_heads=8, head_dim=64, mlp_dim=1024,
        focal_length=5000.0, image_size=crop_size,
        # HaMeR's mano_mean_params.npz (hamer_demo_data.tar.gz); the
        # converted checkpoint carries the same buffers
        mean_params=None,
        loss_keypoints_3d=dict(type='Keypoint3DLoss', loss_weight=0.05),
        loss_keypoints_2d=dict(type='Keypoint2DLoss', loss_weight=0.01),
        loss_mano=dict(type='MANOParamLoss', global_orient_weight=0.001,
                       hand_pose_weight=0.001, betas_weight=0.0005),
        loss_adversarial=dict(type='MANOAdversarialLoss', loss_weight=0.0005,
                              mocap_file=mocap_file)),
    test_cfg=dict())

mirror_left = dict(type='RandomFlip', direction='horizontal', prob=1.0,
                   hand_sides=('left', ))
# HaMeR crops 2x the hand box (its demo's rescale factor)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetSquareBBox', padding=2.0),
    dict(type='RandomBBoxTransform', scale_factor=0.3, scale_prob=1.0,
         rotate_factor=30.0, rotate_prob=0.6, shift_factor=0.02,
         shift_prob=1.0),
    dict(type='TopdownAffine', input_size=(crop_size, crop_size)),
    mirror_left,
    dict(type='ColorScale', low=0.8, high=1.2),
    dict(type='PackHandInputs'),
]
test_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetSquareBBox', padding=2.0),
    dict(type='TopdownAffine', input_size=(crop_size, crop_size)),
    mirror_left,
    dict(type='PackHandInputs'),
]
train_dataloader = dict(batch_size=batch_size,
                        dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=batch_size,
                      dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(batch_size=batch_size,
                       dataset=dict(pipeline=test_pipeline))

train_cfg = dict(by_epoch=False, max_iters=max_iters, val_interval=10_000)
val_cfg = dict()
test_cfg = dict()
# one AdamW for the regressor and the discriminator: with the same lr and
# weight decay it performs HaMeR's two optimizer steps exactly
# (egohands/models/losses/adversarial.py)
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=base_lr,
                                    weight_decay=1e-4))
param_scheduler = []
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=10_000,
                    max_keep_ckpts=3, save_best='mpjpe', rule='less'),
    logger=dict(type='LoggerHook', interval=50))
log_processor = dict(by_epoch=False)
# 8 GPUs x 8: torchrun --nproc_per_node 8 tools/train.py CONFIG --launcher pytorch
auto_scale_lr = dict(base_batch_size=64)
