# WildHands ("3D Hand Pose Estimation in Everyday Egocentric Images", ECCV
# 2024, arXiv:2312.06583; the official code's recipe, docs/wildhands.md),
# without a dataset: an ImageNet ResNet-50 on the 224-px full frame and one
# on the 224-px hand crops (shared by both hands), the frame's layer-4 map
# added to each hand's, the sparse KPE of the crop box (80 values, L = 4)
# appended to it, feature_conv, and an HMR-style MANO head per hand (3
# refinement steps, 6D rows, weak perspective on the frame, MANO mean
# pose). Losses: MSEs of 3D joints 5, 2D 5, pose 10, shape 0.001, camera 1,
# left-right camera 1, grasp CE 0.1, hand-mask L1 10. Adam at 1e-5,
# gradient norm clipped at 150.
# HandNet: model.crop_encoding=None; ArcticNet-SF: also hand_backbone=None.
model = dict(
    type='WildHandsEstimator',
    data_preprocessor=dict(type='ImageDictDataPreprocessor',
                           mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(type='TimmBackbone', model_name='resnet50',
                  pretrained=True),
    hand_backbone=dict(type='TimmBackbone', model_name='resnet50',
                       pretrained=True),
    crop_encoding=dict(type='KeypointPositionalEncoding', variant='sparse',
                       level='latent', num_freqs=4),
    use_global_feature=True,
    feature_conv=dict(channels=(1024, 512, 256), feature_size=7),
    head=dict(num_iterations=3, hidden_channels=1024, cam_init_channels=512,
              dropout=0.5, image_size=224, min_scale=0.1),
    # not MANO's licence-free stand-in: see docs/hand_models.md
    hand_model=dict(model_path='data/mano', flat_hand_mean=False),
    grasp_classes=9,
    # L1 between the soft silhouette of the predicted mesh and the frame's
    # hand mask, rendered at the mask's size (loss_weights: mask 10)
    mask_loss=dict(type='SoftMaskLoss', loss_type='l1'))

optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-5),
                     clip_grad=dict(max_norm=150.0))
train_cfg = dict(by_epoch=True, max_epochs=100, val_interval=5)
val_cfg = dict()
test_cfg = dict()
param_scheduler = []
