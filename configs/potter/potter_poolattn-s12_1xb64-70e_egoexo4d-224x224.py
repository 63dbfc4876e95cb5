# POTTER, the official EgoExo4D hand-pose baseline, as released: the
# estimator of ../_base_/models/potter.py from ImageNet POTTER_cls s12
# weights, on square x1.25 crops of 224 x 224, batch 64, no augmentation.
# Reference numbers: docs/potter.md. Needs data/egoexo4d (docs/egoexo4d.md)
# and checkpoints/potter_cls_s12.pth (model_zoo.md):
#   python tools/train.py configs/potter/potter_poolattn-s12_1xb64-70e_egoexo4d-224x224.py
# The released baseline weights, converted (model_zoo.md):
#   python tools/convert_checkpoint.py potter POTTER-HandPose-ego4d.pt \
#       checkpoints/potter_egoexo4d_baseline.pth
#   python tools/test.py configs/potter/potter_poolattn-s12_1xb64-70e_egoexo4d-224x224.py \
#       checkpoints/potter_egoexo4d_baseline.pth
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/egoexo4d.py',
    '../_base_/models/potter.py'
]

input_size = (224, 224)  # (w, h) of TopdownAffine

model = dict(backbone=dict(layer_scale_init=1e-5,
                           pretrained='checkpoints/potter_cls_s12.pth'))

# the dataset base's crop (x1.25 square box), at this input size
train_pipeline = test_pipeline = [
    dict(t, input_size=input_size) if t.type == 'TopdownAffine' else t
    for t in _base_.test_pipeline
]
train_dataloader = dict(batch_size=64, dataset=dict(pipeline=train_pipeline))
# the same entries over the base's test loader (the challenge test split)
val_dataloader = test_dataloader = dict(batch_size=64,
                                        dataset=dict(pipeline=test_pipeline))
