# A small WildHands for the CPU on wide-angle EgoSynth (../datasets/
# egosynth-wide_two_hand.py): ResNet-18s of a quarter width (timm, from
# scratch) on a 160-px frame and 160-px crops (5 x 5 maps of 128
# channels), feature_conv 128-64-32, 256-wide HMR heads on the synthetic
# MANO-format hand, grasp and
# 40-px mask losses on; Adam at 3e-4 (from scratch), 10 epochs.
# The configs of configs/wildhands/*resnet18-s* inherit this file and
# differ from each other by one line (the crop encoding, the crops).
_base_ = ['../datasets/egosynth-wide_two_hand.py', '../models/wildhands.py']

size = 160  # frame and crop side, px
__small_resnet = dict(type='TimmBackbone', model_name='resnet18',
                      channels=(16, 32, 64, 128), pretrained=False)
model = dict(
    backbone=__small_resnet, hand_backbone=__small_resnet,
    feature_conv=dict(channels=(128, 64, 32), feature_size=size // 32),
    head=dict(hidden_channels=256, cam_init_channels=128, dropout=0.1,
              image_size=size),
    hand_model=dict(model_path='data/hand_models/synthetic'))

__crops = dict(type='TwoHandCrops', frame_size=size, crop_size=size,
               bbox_scale=1.5, mask_size=40)
__pipeline = [dict(t, **__crops) if t['type'] == 'TwoHandCrops' else t
              for t in _base_.two_hand_pipeline]
train_dataloader = dict(batch_size=16, dataset=dict(pipeline=__pipeline))
val_dataloader = test_dataloader = dict(dataset=dict(pipeline=__pipeline))

train_cfg = dict(max_epochs=10, val_interval=10)
optim_wrapper = dict(optimizer=dict(lr=3e-4))
