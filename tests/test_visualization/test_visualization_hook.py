"""HandVisualizationHook: which crops it draws on, plain and TTA batches."""
import torch

from egohands.engine.hooks.hand_visualization_hook import \
    matching_view_inputs
from egohands.structures import HandDataSample


def _samples(flips):
    return [HandDataSample(metainfo=dict(flip=f)) for f in flips]


def test_plain_batch_uses_its_crops():
    crops = [torch.zeros(3, 8, 6), torch.ones(3, 8, 6)]
    outputs = _samples(['none', 'vertical'])
    assert matching_view_inputs(dict(inputs=crops), outputs) == crops
    assert matching_view_inputs(dict(inputs=crops[:1]), outputs) is None
    assert matching_view_inputs(dict(), outputs) is None


def test_tta_batch_uses_the_view_the_outputs_describe():
    flipped = [torch.full((3, 8, 6), 2.0), torch.full((3, 8, 6), 3.0)]
    plain = [torch.zeros(3, 8, 6), torch.ones(3, 8, 6)]
    batch = dict(inputs=[flipped, plain],
                 data_samples=[_samples(['vertical'] * 2),
                               _samples(['none'] * 2)])
    assert matching_view_inputs(batch, _samples(['none'] * 2)) == plain
    assert matching_view_inputs(batch, _samples(['horizontal'] * 2)) is None
