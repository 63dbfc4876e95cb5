# EgoSynth, the synthetic egocentric hand dataset of egohands
# (docs/egosynth.md), in the canonical annotation format that
# EgoHandsCocoDataset reads (docs/data_format.md): annotations/{split}.json
# and the images under data_root. Prepare it with
#   python tools/make_egosynth.py --out data/egosynth
# Any dataset in that format fits these loaders (the tiny config points them
# at the toy dataset of egohands.testing).
# A method config sets the pipelines' input size and augmentations
# (overriding train_pipeline / test_pipeline and the loaders' pipelines) and
# its batch sizes.
dataset_type = 'EgoHandsCocoDataset'
data_root = 'data/egosynth/'
input_size = (128, 128)  # (w, h)

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetSquareBBox', padding=1.25),
    dict(type='TopdownAffine', input_size=input_size),
    dict(type='PackHandInputs'),
]
test_pipeline = train_pipeline

# one loader worker: these runs are small and share 2 CPU cores
train_dataloader = dict(
    batch_size=32, num_workers=1, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root,
                 ann_file='annotations/train.json', data_prefix=dict(img=''),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32, num_workers=1, persistent_workers=True, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(type=dataset_type, data_root=data_root,
                 ann_file='annotations/val.json', data_prefix=dict(img=''),
                 test_mode=True, pipeline=test_pipeline))
# the validation loader on the test split
test_dataloader = dict(
    val_dataloader,
    dataset=dict(val_dataloader['dataset'], ann_file='annotations/test.json'))

# root-relative MPJPE, PA-MPJPE and PCK-AUC of the 3D joints (mm)
val_evaluator = dict(type='HandKeypoint3DMetric')
test_evaluator = val_evaluator
