# The small ResNet-18 HaMeR of the realistic EgoSynth followed by
# HaMeR-align (pose and shape kept, so PA-MPJPE is unchanged; mpjpe_abs and
# orient_error_camera are the numbers it moves).
#   python tools/test.py configs/hamer/hamer-align_resnet18-w32_1xb16-3000it_egosynth-64x64.py \
#       work_dirs/hamer_resnet18-w32_1xb16-3000it_egosynth-64x64/iter_3000.pth
_base_ = ['./hamer_resnet18-w32_1xb16-3000it_egosynth-64x64.py']

model = dict(test_cfg=dict(postprocess=[dict(type='HaMeRAlign')]))
