# The small EgoSynth HaMeR followed by HaMeR-align: each hand's global
# rotation and translation re-fitted so that its joints project under the
# true intrinsics onto the model's own 2D keypoints (pose and shape kept,
# so PA-MPJPE is unchanged; mpjpe_abs is the number it improves).
#   python tools/test.py configs/hamer/hamer-align_vit-t_1xb16-20e_egosynth-128x128.py \
#       work_dirs/hamer_vit-t_1xb16-20e_egosynth-128x128/epoch_20.pth
_base_ = ['./hamer_vit-t_1xb16-20e_egosynth-128x128.py']

model = dict(test_cfg=dict(postprocess=[dict(type='HaMeRAlign')]))
