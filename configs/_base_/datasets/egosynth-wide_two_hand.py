# EgoSynth with wide random cameras (docs/egosynth.md: 90-130 deg fields of
# view, jittered principal points; WildHands' KPE is about such lenses) as
# two-hand samples for WildHands-style models. Prepare it with
#   python tools/make_egosynth.py --out data/egosynth-wide --fov 90 130
# One sample per image with its right and left hand
# (TwoHandImageDataset over the per-hand EgoHandsCocoDataset), the whole
# image letterboxed into a 224-px frame with its true intrinsics, one
# 224-px crop of 1.5x the hand box per hand (WildHands' training sizes), the
# hand masks on the frame and the grasp labels. A missing hand gets an empty
# sample (no loss, no prediction). A model config overrides the sizes.
data_root = 'data/egosynth-wide/'
two_hand_crops = dict(type='TwoHandCrops', frame_size=224, crop_size=224,
                      bbox_scale=1.5, mask_size=56)
two_hand_pipeline = [
    dict(type='LoadImage'), two_hand_crops, dict(type='PackTwoHandInputs')
]


def __hands(split):  # names with __ stay out of the config
    return dict(type='EgoHandsCocoDataset', data_root=data_root,
                ann_file=f'annotations/{split}.json', data_prefix=dict(img=''))


train_dataloader = dict(
    batch_size=32, num_workers=1, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='TwoHandImageDataset', hands=__hands('train'),
                 pipeline=two_hand_pipeline))
val_dataloader = dict(
    batch_size=32, num_workers=1, persistent_workers=True, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(type='TwoHandImageDataset', hands=__hands('val'),
                 test_mode=True, pipeline=two_hand_pipeline))
# EgoSynth's test split is not used: test on validation
test_dataloader = val_dataloader

# MPJPE, PA-MPJPE, absolute MPJPE and MRRPE (mm) of the present hands
val_evaluator = dict(type='TwoHandKeypoint3DMetric')
test_evaluator = val_evaluator
