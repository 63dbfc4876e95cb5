# A small HaMeR for the CPU on the realistic EgoSynth: HaMeR's MANO
# transformer-decoder head (../_base_/models/hamer.py, shrunk to 2 layers of
# 128-d as in the small ViT-T config, pose_frame='crop') on the narrow
# ResNet-18 of `make demo` (timm, from scratch; its stride-16 map as the
# decoder's tokens), 64 x 64 crops of 1.3x the hand box, the 2D and
# global-orientation losses 5x and 10x HaMeR's weights, AdamW at 1e-3 for
# 3000 iterations of 16 (0.4 s each on 2 idle cores; the documented run
# shared the machine and reached 1460 in its 40 minutes). Every 250
# iterations the first 256 validation hands give the median orientation
# error: the learning curve. docs/hamer.md ("On the realistic EgoSynth")
# has the numbers.
#   python tools/make_hand_model.py --out data/hand_models/synthetic
#   python tools/make_egosynth.py --out data/egosynth --train 4000 --val 400
#   python tools/train.py configs/hamer/hamer_resnet18-w32_1xb16-3000it_egosynth-64x64.py
#   python tools/test.py CONFIG CKPT        # + HaMeR-align:
#   python tools/test.py configs/hamer/hamer-align_resnet18-w32_1xb16-3000it_egosynth-64x64.py CKPT
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/egosynth.py',
    '../_base_/models/hamer.py'
]

crop_size = 64
batch_size, max_iters, base_lr = 16, 3000, 1e-3

model = dict(
    backbone=dict(_delete_=True, type='TimmBackbone', model_name='resnet18',
                  channels=(32, 64, 128, 256), out_indices=(3, )),
    head=dict(
        # not MANO: see docs/hand_models.md
        hand_model=dict(model_path='data/hand_models/synthetic'),
        embed_dim=128, depth=2, num_heads=4, head_dim=32, mlp_dim=256,
        # HaMeR's camera: F = 5000 px on a 256-px crop
        focal_length=5000.0 * crop_size / 256, image_size=crop_size,
        init_cam=(9.0, 0.0, 0.0), decoder_init_gain=0.01,
        # the pose as the crop sees it; HaMeR-align turns it into the camera
        pose_frame='crop',
        loss_keypoints_2d=dict(type='Keypoint2DLoss', loss_weight=0.05),
        loss_mano=dict(type='MANOParamLoss', global_orient_weight=0.01,
                       hand_pose_weight=0.001, betas_weight=0.0005)))

# HaMeR's pipelines (and box jitter) on 1.3x the hand box and a 64-px crop
# (names with __ stay out of the config)
__crop = dict(GetSquareBBox=dict(type='GetSquareBBox', padding=1.3),
              TopdownAffine=dict(type='TopdownAffine',
                                 input_size=(crop_size, crop_size)))
train_pipeline = [__crop.get(t.type, t) for t in _base_.hamer_train_pipeline]
test_pipeline = [__crop.get(t.type, t) for t in _base_.hamer_test_pipeline]
train_dataloader = dict(batch_size=batch_size,
                        dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=64,
                      dataset=dict(indices=256, pipeline=test_pipeline))
# EgoSynth's test split is not used: test on all validation hands
test_dataloader = dict(batch_size=64, dataset=dict(
    ann_file='annotations/val.json', pipeline=test_pipeline))
val_evaluator = [dict(type='HandKeypoint3DMetric'),
                 dict(type='MANOOrientationMetric')]
test_evaluator = val_evaluator

train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=250)
optim_wrapper = dict(optimizer=dict(lr=base_lr), clip_grad=dict(max_norm=5.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.05, by_epoch=False, begin=0,
         end=100),
    dict(type='CosineAnnealingLR', T_max=max_iters, eta_min_ratio=0.02,
         by_epoch=False, begin=0, end=max_iters),
]
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=250,
                                     max_keep_ckpts=2),
                     logger=dict(interval=20))
log_processor = dict(by_epoch=False)
