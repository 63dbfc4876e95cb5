# Fine-tune the released HaMeR on EgoExo4D, as HaMeR's team did for the
# EgoExo4D hand pose challenge: 2D keypoint labels only (3D and MANO loss
# weights 0); validation reports MPJPE / PA-MPJPE on EgoExo4D val
# (HandKeypoint3DMetric and the official EgoExo4DMetric). The schedule
# (AdamW at HaMeR's lr 1e-5, 10 epochs, batch 8 x 8 GPUs) is ours
# (docs/hamer.md).
#
# Needs (each missing one stops with a message naming it):
#   data/mano/MANO_RIGHT.pkl     real MANO: https://mano.is.tue.mpg.de, then
#                                python tools/prepare_mano.py --src DL --out data/mano
#   data/egoexo4d/               docs/egoexo4d.md
#   checkpoints/hamer.pth        the released model, converted:
#       wget https://www.cs.utexas.edu/~pavlakos/hamer/data/hamer_demo_data.tar.gz
#       tar xzf hamer_demo_data.tar.gz
#       python tools/convert_checkpoint.py hamer \
#           _DATA/hamer_ckpts/checkpoints/hamer.ckpt checkpoints/hamer.pth
# Then:
#   python tools/train.py configs/hamer_ft_egoexo.py
#   torchrun --nproc_per_node 8 tools/train.py configs/hamer_ft_egoexo.py --launcher pytorch
_base_ = ['./hamer/hamer_vit-h_8xb8-1000000it_egoexo4d-256x256.py']

load_from = 'checkpoints/hamer.pth'
max_epochs = 10

model = dict(
    # every weight comes from load_from
    backbone=dict(pretrained=None),
    head=dict(
        loss_keypoints_3d=dict(loss_weight=0.0),
        loss_mano=dict(global_orient_weight=0.0, hand_pose_weight=0.0,
                       betas_weight=0.0),
        loss_adversarial=None))

train_cfg = dict(_delete_=True, by_epoch=True, max_epochs=max_epochs,
                 val_interval=1)
default_hooks = dict(checkpoint=dict(by_epoch=True, interval=1))
log_processor = dict(by_epoch=True)
