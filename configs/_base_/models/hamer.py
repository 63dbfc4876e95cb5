# The HaMeR estimator (HaMeR: "Reconstructing Hands in 3D with
# Transformers", arXiv:2312.05251; the official code's recipe, see
# docs/hamer.md), without a dataset:
# a ViTPose-style ViT on the central 256x192 (h x w) of a 256x256 hand crop,
# the MANO transformer-decoder head (one query, 6 layers, 1024-d) with a
# weak-perspective camera (F = 5000 px on the 256-px crop), HaMeR's summed
# losses (3D 0.05, 2D 0.01, MANO parameters) and AdamW (lr 1e-5, weight
# decay 1e-4); left hands mirrored to right hands by the pipeline
# (mirror_left after TopdownAffine; the estimator mirrors predictions
# back). A config adds ../default_runtime.py, a dataset, its pipelines and
# schedule, and overrides the entries that differ; the head's input width
# is the backbone's (TopdownHandEstimator reads backbone.out_channels).

model = dict(
    type='TopdownHandEstimator',
    # ImageNet mean / std on RGB, as HaMeR
    data_preprocessor=dict(type='HandDataPreprocessor',
                           mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(type='ViTPoseBackbone', arch='huge', img_size=(256, 192),
                  center_crop_input=True),
    head=dict(
        type='MANOTransformerHead',
        hand_model=dict(type='MANOHand', model_path='data/mano',
                        side='right', flat_hand_mean=True),
        embed_dim=1024, depth=6, num_heads=8, head_dim=64, mlp_dim=1024,
        focal_length=5000.0, image_size=256,
        loss_keypoints_3d=dict(type='Keypoint3DLoss', loss_weight=0.05),
        loss_keypoints_2d=dict(type='Keypoint2DLoss', loss_weight=0.01),
        loss_mano=dict(type='MANOParamLoss', global_orient_weight=0.001,
                       hand_pose_weight=0.001, betas_weight=0.0005)),
    test_cfg=dict())

mirror_left = dict(type='RandomFlip', direction='horizontal', prob=1.0,
                   hand_sides=('left', ))
# HaMeR's crop: 2x the hand box (its demo's rescale factor) on 256 x 256 px,
# with box scale / rotation / shift jitter and colour scaling for training;
# a config sets these on its loaders
hamer_train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetSquareBBox', padding=2.0),
    dict(type='RandomBBoxTransform', scale_factor=0.3, scale_prob=1.0,
         rotate_factor=30.0, rotate_prob=0.6, shift_factor=0.02,
         shift_prob=1.0),
    dict(type='TopdownAffine', input_size=(256, 256)),
    mirror_left,
    dict(type='ColorScale', low=0.8, high=1.2),
    dict(type='PackHandInputs'),
]
hamer_test_pipeline = [
    t for t in hamer_train_pipeline
    if t['type'] not in ('RandomBBoxTransform', 'ColorScale')
]

val_cfg = dict()
test_cfg = dict()
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=1e-5,
                                    weight_decay=1e-4))
