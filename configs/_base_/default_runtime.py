# Runtime defaults shared by every egohands config (mmengine Runner).
# Method configs inherit this file plus a dataset or recipe base (two levels
# at most, see docs/architecture.md section 4).
default_scope = 'egohands'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # keeps the last checkpoints and the best one by the root-relative
    # MPJPE of the validation metric (HandKeypoint3DMetric reports 'mpjpe')
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3,
                    save_best='mpjpe', rule='less'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # tools/test.py --show-dir turns it on
    visualization=dict(type='HandVisualizationHook', enable=False),
    # computes the codec's target statistics from the training annotations
    # when neither a stats file nor a checkpoint provides them
    target_stats=dict(type='TargetStatsHook'),
)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py and tools/test.py switch to gloo when CUDA is missing
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='Visualizer', vis_backends=vis_backends,
                  name='visualizer')
log_processor = dict(type='LogProcessor', window_size=20, by_epoch=True,
                     num_digits=4)
log_level = 'INFO'
randomness = dict(seed=0)
load_from = None
resume = False
