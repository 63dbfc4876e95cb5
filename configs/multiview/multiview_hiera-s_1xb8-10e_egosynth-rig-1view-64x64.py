# The 1-view variant of the small multi-view model (docs/multiview.md,
# "Measured on an EgoSynth rig"): the same model, data and schedule with one
# view slot, camera 0 of the rig (the hands it sees).
_base_ = ['./multiview_hiera-s_1xb8-10e_egosynth-rig-64x64.py']

views = (0, )
model = dict(num_views=len(views))
train_dataloader = dict(dataset=dict(views=views))
val_dataloader = dict(dataset=dict(views=views))
test_dataloader = val_dataloader
