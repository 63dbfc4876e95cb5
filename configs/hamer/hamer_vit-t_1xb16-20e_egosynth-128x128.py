# A small HaMeR for the CPU (../_base_/models/hamer.py shrunk): a
# ViTPose-style ViT-Tiny (4 blocks) on the central 128x96 (h x w) of 128x128
# EgoSynth crops, a 2-layer 128-d decoder on the synthetic MANO-format
# hand, HaMeR's losses (no adversarial prior), camera model and
# augmentations. From scratch, so a higher learning rate than HaMeR's 1e-5.
# A CPU demo: it does not learn the global orientation well enough for
# HaMeR-align to help (docs/hamer.md has the measured numbers and why).
#   python tools/make_hand_model.py --out data/hand_models/synthetic
#   python tools/make_egosynth.py --out data/egosynth
#   python tools/train.py configs/hamer/hamer_vit-t_1xb16-20e_egosynth-128x128.py
#   python tools/test.py CONFIG CKPT
# HaMeR-align on the same checkpoint (absolute MPJPE under the true K):
#   python tools/test.py configs/hamer/hamer-align_vit-t_1xb16-20e_egosynth-128x128.py CKPT
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/egosynth.py',
    '../_base_/models/hamer.py'
]

crop_size = 128  # square crop; the backbone sees its central 128 x 96

model = dict(
    backbone=dict(arch='tiny', depth=4,
                  img_size=(crop_size, crop_size * 3 // 4)),
    head=dict(
        # not MANO: see docs/hand_models.md
        hand_model=dict(model_path='data/hand_models/synthetic'),
        embed_dim=128, depth=2, num_heads=4, head_dim=32, mlp_dim=256,
        # HaMeR's camera: F = 5000 px on a 256-px crop, i.e. 2500 on 128
        focal_length=2500.0, image_size=crop_size,
        init_cam=(9.0, 0.0, 0.0), decoder_init_gain=0.01,
        # EgoSynth's lenses are wide and its hands far off the axis:
        # supervise the pose as the crop sees it (docs/hamer.md);
        # HaMeR-align then turns it into the camera frame
        pose_frame='crop'))

# HaMeR's pipelines on 1.5x the hand box and a 128-px crop, the box jitter
# at its default probabilities (names with __ stay out of the config)
__small = dict(
    GetSquareBBox=dict(type='GetSquareBBox', padding=1.5),
    RandomBBoxTransform=dict(type='RandomBBoxTransform', scale_factor=0.3,
                             rotate_factor=30.0, rotate_prob=0.6,
                             shift_factor=0.02),
    TopdownAffine=dict(type='TopdownAffine',
                       input_size=(crop_size, crop_size)))
train_pipeline = [__small.get(t.type, t) for t in _base_.hamer_train_pipeline]
test_pipeline = [__small.get(t.type, t) for t in _base_.hamer_test_pipeline]
train_dataloader = dict(batch_size=16, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
# EgoSynth's test split is not used: test on validation
test_dataloader = dict(dataset=dict(ann_file='annotations/val.json',
                                    pipeline=test_pipeline))

train_cfg = dict(by_epoch=True, max_epochs=20, val_interval=20)
optim_wrapper = dict(optimizer=dict(lr=3e-4), clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=20, eta_min_ratio=0.05,
         by_epoch=True, begin=0, end=20, convert_to_iter_based=True)
]
default_hooks = dict(logger=dict(type='LoggerHook', interval=20))
