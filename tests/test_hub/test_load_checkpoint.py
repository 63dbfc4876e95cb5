"""load_checkpoint_verified: by model-zoo name (download + verify) or local
path, always under weights_only loading."""
import hashlib
import io

import numpy as np
import pytest
import torch

from egohands.hub import load_checkpoint_verified
from egohands.hub.model_zoo import ModelZooEntry
from egohands.utils.errors import (CheckpointError, DownloadError,
                                   MissingAssetError)


class NotAllowed:
    """A class the weights-only unpickler must refuse."""


def _checkpoint_bytes(payload) -> bytes:
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return buffer.getvalue()


def _payload():
    # numpy metadata as mmengine/mmpose checkpoints hold it
    return dict(state_dict=dict(weight=torch.arange(6.0).reshape(2, 3)),
                meta=dict(sigmas=np.linspace(0.0, 1.0, 4)))


def test_load_by_name_downloads_verifies_and_loads(server, tmp_path):
    content = _checkpoint_bytes(_payload())
    sha = server.publish('tiny.pth', content)
    index = {'tiny': ModelZooEntry(name='tiny', filename='tiny.pth',
                                   description='', url=server.url('tiny.pth'),
                                   sha256=sha, size=len(content))}
    loaded = load_checkpoint_verified('tiny', dest=str(tmp_path / 'c'),
                                      index=index, progress=None)
    torch.testing.assert_close(loaded['state_dict']['weight'],
                               _payload()['state_dict']['weight'])
    np.testing.assert_array_equal(loaded['meta']['sigmas'],
                                  np.linspace(0.0, 1.0, 4))
    load_checkpoint_verified('tiny', dest=str(tmp_path / 'c'), index=index)
    assert server.requests == ['/tiny.pth']


def test_load_by_path_checks_a_given_hash(tmp_path):
    path = tmp_path / 'local.pth'
    content = _checkpoint_bytes(_payload())
    path.write_bytes(content)
    loaded = load_checkpoint_verified(str(path))
    assert set(loaded) == {'state_dict', 'meta'}
    load_checkpoint_verified(str(path),
                             sha256=hashlib.sha256(content).hexdigest())
    with pytest.raises(DownloadError, match='sha256 mismatch'):
        load_checkpoint_verified(str(path), sha256='0' * 64)


def test_unsafe_or_broken_files_are_refused(tmp_path):
    unsafe = tmp_path / 'unsafe.pth'
    torch.save(dict(obj=NotAllowed()), unsafe)
    with pytest.raises(CheckpointError, match='unsafe.pth.*weights-only'):
        load_checkpoint_verified(str(unsafe))
    broken = tmp_path / 'broken.pth'
    broken.write_bytes(b'not a checkpoint')
    with pytest.raises(CheckpointError, match='broken.pth'):
        load_checkpoint_verified(str(broken))


def test_unknown_names_and_missing_paths(tmp_path):
    with pytest.raises(MissingAssetError, match='did you mean hamer'):
        load_checkpoint_verified('hamr')
    with pytest.raises(MissingAssetError, match='does not exist'):
        load_checkpoint_verified(str(tmp_path / 'nothing.pth'))
    # a manual entry stops with its instructions before any download
    with pytest.raises(MissingAssetError, match='convert_checkpoint.py hamer'):
        load_checkpoint_verified('hamer', dest=str(tmp_path))
