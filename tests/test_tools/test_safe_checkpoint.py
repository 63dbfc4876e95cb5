"""Runner-style checkpoints load with weights_only=True, nothing more."""
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer

from egohands.utils.checkpoint import install_safe_checkpoint_loading


def test_history_buffer_and_numpy_load_weights_only(tmp_path):
    install_safe_checkpoint_loading()
    buffer = HistoryBuffer()
    buffer.update(0.5)
    buffer.update(1.5)
    checkpoint = dict(
        state_dict=dict(w=torch.ones(2)),
        message_hub=dict(log_scalars={'train/loss': buffer}),
        meta=dict(arr=np.arange(4, dtype=np.float32), scalar=np.float64(2.5),
                  dtype=np.dtype('int16'), names=np.array(['a', 'bc'])))
    path = tmp_path / 'ckpt.pth'
    torch.save(checkpoint, path)
    loaded = torch.load(path, weights_only=True)
    assert loaded['message_hub']['log_scalars']['train/loss'].mean() == 1.0
    np.testing.assert_array_equal(loaded['meta']['arr'], np.arange(4))
    assert loaded['meta']['scalar'] == 2.5
    assert loaded['meta']['dtype'] == np.dtype('int16')


class _Sneaky:
    """Pickles as getattr(HistoryBuffer, '__init__'): not a statistic."""

    def __reduce__(self):
        return (getattr, (HistoryBuffer, '__init__'))


def test_general_getattr_stays_forbidden(tmp_path):
    install_safe_checkpoint_loading()
    path = tmp_path / 'sneaky.pth'
    torch.save(dict(x=_Sneaky()), path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
