# The POTTER estimator and training loop of the official EgoExo4D hand-pose
# baseline (EGO4D/ego-exo4d-egopose handpose/models/POTTER; docs/potter.md),
# without a dataset: pooling-attention
# backbone (s12) with its high-resolution stream, 3D-heatmap hand head on
# 56 x 56 features of a 224 x 224 crop, wrist-relative joints in mm z-scored
# per joint and axis, masked MSE, Adam lr 1e-4 without a schedule, 70
# epochs. A config adds ../default_runtime.py and a dataset, its crop size
# and batch, and overrides the entries that differ; the head's input width
# is the backbone's (TopdownHandEstimator reads backbone.out_channels).

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
                  drop_path_rate=0.1),
    # heatmap_size (h, w) = crop / 4, the high-resolution stream's grid
    head=dict(type='Heatmap3DHandHead', hidden_channels=256, depth_dim=56,
              heatmap_size=(56, 56), regressor_channels=512, codec=codec,
              # the baseline's Pose3DLoss
              loss=dict(type='JointMSELoss')),
    test_cfg=dict())

train_cfg = dict(by_epoch=True, max_epochs=70, val_interval=1)
val_cfg = dict()
test_cfg = dict()

optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-4))
param_scheduler = []  # constant learning rate

# the normalised last stage (low_res_norm) is not read by the hand head:
# distributed training must tolerate parameters without gradients
find_unused_parameters = True
