# HandCenterDetector: hand boxes and sides of whole images, the detector of
# tools/infer.py --detector. SimpleCNN (stride 8) on the image letterboxed
# to 128 x 128 px; per 8 px cell a centre heatmap per side, box size and
# centre offset (egohands/models/detectors/). Metric: box recall /
# precision at IoU 0.5 and side accuracy (HandBoxMetric).
#   python tools/train.py configs/handcenter/handcenter_simplecnn_1xb16-20e_egosynth-128x128.py
#   python tools/infer.py POSE_CONFIG POSE_CKPT images/ \
#       --detector configs/handcenter/handcenter_simplecnn_1xb16-20e_egosynth-128x128.py \
#       work_dirs/handcenter_simplecnn_1xb16-20e_egosynth-128x128/best_box_recall_epoch_N.pth
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/egosynth.py'
]

input_size = 128  # px, square network input

model = dict(
    type='HandCenterDetector',
    data_preprocessor=dict(type='HandDataPreprocessor',
                           mean=[127.5, 127.5, 127.5],
                           std=[64.0, 64.0, 64.0], bgr_to_rgb=True),
    backbone=dict(type='SimpleCNN', channels=(32, 64, 128)),
    in_channels=128, stride=8, input_size=input_size, feat_channels=64,
    score_thr=0.3, top_k=10)

test_pipeline = [
    dict(type='LoadImage'),
    dict(type='ResizeImage', size=input_size),
    dict(type='PackDetectionInputs'),
]
# no flips: a mirrored image would need its hand sides swapped
train_pipeline = test_pipeline[:-1] + [
    dict(type='ColorScale', low=0.8, high=1.2),
    dict(type='PackDetectionInputs'),
]

# the base's loaders (annotations/{train,val,test}.json of data_root), one
# sample per image
train_dataloader = dict(
    batch_size=16,
    dataset=dict(type='EgoHandsImageDataset', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    dataset=dict(type='EgoHandsImageDataset', pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=16,
    dataset=dict(type='EgoHandsImageDataset', pipeline=test_pipeline))

val_evaluator = dict(_delete_=True, type='HandBoxMetric', iou_thr=0.5)
test_evaluator = val_evaluator

default_hooks = dict(
    checkpoint=dict(save_best='box_recall', rule='greater'))

train_cfg = dict(by_epoch=True, max_epochs=20, val_interval=2)
val_cfg = dict()
test_cfg = dict()
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=2e-3, weight_decay=1e-4))
param_scheduler = [
    dict(type='MultiStepLR', milestones=[15], gamma=0.1, by_epoch=True)
]
