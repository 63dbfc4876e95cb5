# HaMeR as released (../_base_/models/hamer.py with ViTPose-H), trained on
# EgoExo4D (2D + 3D, no MANO labels) and evaluated on its validation split:
# batch 8 x 8 GPUs, 1M iterations, no lr schedule, box scale / rotation /
# shift jitter and colour scaling, the adversarial MANO prior. HaMeR trained
# on a mixture of ten datasets that egohands does not ship; point
# train_dataloader at other canonical-format datasets (docs/data_format.md)
# to get closer to it. What it needs (real MANO, data, ViTPose-H weights,
# the mocap prior) and the released model: docs/hamer.md, model_zoo.md.
#   python tools/test.py configs/hamer/hamer_vit-h_8xb8-1000000it_egoexo4d-256x256.py checkpoints/hamer.pth
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/egoexo4d.py',
    '../_base_/models/hamer.py'
]

model = dict(
    backbone=dict(patch_padding=2, drop_path_rate=0.55,
                  pretrained='checkpoints/hamer_vitpose_backbone.pth',
                  checkpoint_key_style='vitpose'),
    head=dict(
        # HaMeR's mano_mean_params.npz (hamer_demo_data.tar.gz); the
        # converted checkpoint carries the same buffers
        mean_params=None,
        loss_adversarial=dict(type='MANOAdversarialLoss', loss_weight=0.0005,
                              mocap_file='data/hamer/freihand_mocap.npz')))

train_pipeline = _base_.hamer_train_pipeline
test_pipeline = _base_.hamer_test_pipeline
train_dataloader = dict(batch_size=8, dataset=dict(pipeline=train_pipeline))
val_dataloader = test_dataloader = dict(batch_size=8,
                                        dataset=dict(pipeline=test_pipeline))

train_cfg = dict(by_epoch=False, max_iters=1_000_000, val_interval=10_000)
# one AdamW for the regressor and the discriminator: with the same lr and
# weight decay it performs HaMeR's two optimizer steps exactly
# (egohands/models/losses/adversarial.py)
param_scheduler = []
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=10_000,
                    max_keep_ckpts=3, save_best='mpjpe', rule='less'),
    logger=dict(type='LoggerHook', interval=50))
log_processor = dict(by_epoch=False)
# 8 GPUs x 8: torchrun --nproc_per_node 8 tools/train.py CONFIG --launcher pytorch
auto_scale_lr = dict(base_batch_size=64)
