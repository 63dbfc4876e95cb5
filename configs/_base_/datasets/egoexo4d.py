# EgoExo4D hand pose (Aria ego view, undistorted 512x512, f = 150 px).
# Prepare data/egoexo4d as in docs/egoexo4d.md:
#   python tools/dataset_converters/egoexo4d.py --raw RAW --out data/egoexo4d
#   + the undistorted images of the official toolkit
#   + the public test file in data/egoexo4d/annotation/manual/
# A method config sets the pipelines' input size and augmentations
# (overriding train_pipeline / test_pipeline) and its batch sizes.
dataset_type = 'EgoExo4DHandDataset'
data_root = 'data/egoexo4d/'
annotation = 'manual'  # 'manual', 'auto' or 'both' (training split only)
input_size = (256, 256)  # (w, h)

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetSquareBBox', padding=1.25),
    dict(type='TopdownAffine', input_size=input_size),
    # keeps sequence (= take uid) and frame: a submission needs them
    dict(type='PackHandInputs'),
]
test_pipeline = train_pipeline

train_dataloader = dict(
    batch_size=32, num_workers=2, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 annotation=annotation, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32, num_workers=2, persistent_workers=True, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 annotation='manual', test_mode=True,
                 pipeline=test_pipeline))
# the challenge test split: boxes only, for submissions (tools/test.py --dump)
test_dataloader = dict(
    batch_size=32, num_workers=2, persistent_workers=True, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='test',
                 test_mode=True, pipeline=test_pipeline))

# root-relative MPJPE, PA-MPJPE, PCK-AUC, plus the organisers' numbers
# (absolute MPJPE, or GT-wrist-offset for wrist-relative models) as
# egoexo4d/mpjpe, egoexo4d/pa_mpjpe
val_evaluator = [
    dict(type='HandKeypoint3DMetric'),
    dict(type='EgoExo4DMetric', prefix='egoexo4d'),
]
# the test split has no 3D: this only counts hands; the submission is
# written by dump_writer. For the official numbers on val:
#   --cfg-options test_dataloader.dataset.split=val
test_evaluator = dict(type='EgoExo4DMetric', prefix='egoexo4d')
# tools/test.py CONFIG CKPT --dump submission.json writes the challenge file
dump_writer = dict(
    type='EgoExo4DSubmissionWriter', data_root=data_root,
    test_file='annotation/manual/ego_pose_gt_anno_test_public.json')
