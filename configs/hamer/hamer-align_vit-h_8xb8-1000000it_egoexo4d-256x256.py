# HaMeR + HaMeR-align: the released HaMeR, then each hand's global rotation
# and translation re-fitted so that its joints project under the true
# EgoExo4D intrinsics onto HaMeR's own 2D keypoints (pose and shape kept,
# so PA-MPJPE stays; docs/hamer.md). For testing the released model:
#   python tools/convert_checkpoint.py hamer hamer.ckpt checkpoints/hamer.pth
#   python tools/test.py configs/hamer/hamer-align_vit-h_8xb8-1000000it_egoexo4d-256x256.py \
#       checkpoints/hamer.pth --cfg-options test_dataloader.dataset.split=val
_base_ = ['./hamer_vit-h_8xb8-1000000it_egoexo4d-256x256.py']

model = dict(
    backbone=dict(pretrained=None),
    head=dict(loss_adversarial=None),
    test_cfg=dict(postprocess=[dict(type='HaMeRAlign')]))
