# The tiny estimator of egohands on the plugin's JSON-lines format, scored
# by the plugin's metric. Paths assume the egohands checkout layout.
#   python tools/train.py \
#     plugins/egohands_example_plugin/configs/tiny_simplecnn_1xb8-1e_jsonl-64x64.py \
#     --cfg-options data_root=/path/to/jsonl_data/
_base_ = ['../../../configs/tiny/tiny_simplecnn_1xb8-4e_toy-64x64.py']

data_root = 'data/jsonl_hands/'
dataset_type = 'JsonLinesHandDataset'
train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root,
                 ann_file='train.jsonl', data_prefix=dict(img='')))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root,
                 ann_file='val.jsonl', data_prefix=dict(img='')))
test_dataloader = val_dataloader
val_evaluator = dict(type='FingertipErrorMetric', _delete_=True)
test_evaluator = val_evaluator
default_hooks = dict(
    checkpoint=dict(save_best='fingertip_error', rule='less'))
train_cfg = dict(max_epochs=1, val_interval=1)
