# POTTER, the official EgoExo4D hand-pose baseline (EGO4D/ego-exo4d-egopose
# handpose/models/POTTER): pooling-attention backbone (s12) with its
# high-resolution stream, 3D-heatmap hand head, wrist-relative joints in mm
# z-scored per joint and axis, masked MSE, Adam lr 1e-4 without a schedule,
# batch 64, 70 epochs, square x1.25 crops of 224 x 224, no augmentation.
# Recipe: seed_methods.md section 4.2.
#
# Needs data/egoexo4d (docs/egoexo4d.md) and the ImageNet POTTER_cls s12
# weights as checkpoints/potter_cls_s12.pth (model_zoo.md):
#   python tools/train.py configs/potter/potter_egoexo.py
# The released baseline weights, converted (model_zoo.md):
#   python tools/convert_checkpoint.py potter POTTER-HandPose-ego4d.pt \
#       checkpoints/potter_egoexo4d_baseline.pth
#   python tools/test.py configs/potter/potter_egoexo.py \
#       checkpoints/potter_egoexo4d_baseline.pth
# Reference (EgoExo4D docs, manual labels): MPJPE 32.71, PA-MPJPE 11.74 mm.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/egoexo4d.py'
]

input_size = (224, 224)  # (w, h) of TopdownAffine
heatmap_size = (56, 56)  # (h, w): input / 4
depth_dim = 56
batch_size, max_epochs, base_lr = 64, 70, 1e-4
pretrained = 'checkpoints/potter_cls_s12.pth'

# statistics from the training annotations (TargetStatsHook at the start of
# training, or tools/compute_target_stats.py); a converted baseline
# checkpoint brings the baseline's own
codec = dict(type='RootRelativeJointCodec', stats_file=None)

model = dict(
    type='TopdownHandEstimator',
    # torchvision ToTensor + Normalize(ImageNet) on RGB
    data_preprocessor=dict(type='HandDataPreprocessor',
                           mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(type='POTTERBackbone',
                  depths=(2, 2, 6, 2), dims=(64, 128, 320, 512),
                  mlp_ratios=(4, 4, 4, 4), hr_depths=(2, 2, 4),
                  hr_mlp_ratios=(2, 2, 4), drop_rate=0.1,
                  drop_path_rate=0.1, layer_scale_init=1e-5,
                  pretrained=pretrained),
    head=dict(type='Heatmap3DHandHead', in_channels=64, hidden_channels=256,
              depth_dim=depth_dim, heatmap_size=heatmap_size,
              regressor_channels=512, codec=codec,
              # the baseline's Pose3DLoss
              loss=dict(type='JointMSELoss')),
    test_cfg=dict())

pipeline = [
    dict(type='LoadImage'),
    dict(type='GetSquareBBox', padding=1.25),
    dict(type='TopdownAffine', input_size=input_size),
    dict(type='PackHandInputs'),
]
train_pipeline = pipeline
test_pipeline = pipeline

train_dataloader = dict(batch_size=batch_size,
                        dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=batch_size,
                      dataset=dict(pipeline=test_pipeline))
# the same entries over the base's test loader (the challenge test split)
test_dataloader = val_dataloader

train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=1)
val_cfg = dict()
test_cfg = dict()

optim_wrapper = dict(optimizer=dict(type='Adam', lr=base_lr))
param_scheduler = []  # constant learning rate

# the normalised last stage (low_res_norm) is not read by the hand head:
# distributed training must tolerate parameters without gradients
find_unused_parameters = True
