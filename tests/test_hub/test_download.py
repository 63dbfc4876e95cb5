"""Verified downloads from a local HTTP server: hash, size, atomicity,
no second request, manual entries, pinned hashes, mirrors."""
import hashlib
import os

import numpy as np
import pytest

from egohands.hub.download import download_entry, file_sha256
from egohands.hub.model_zoo import ModelZooEntry
from egohands.utils.errors import (ConfigError, DownloadError,
                                   MissingAssetError)

CONTENT = np.random.default_rng(0).bytes(2_500_000)  # > 2 read chunks


def _entry(server, sha256, size=None, url_path='model.pth', **fields):
    return ModelZooEntry(name='tiny', filename='model.pth',
                         description='test', url=server.url(url_path),
                         sha256=sha256, size=size, **fields)


def _files(folder):
    return sorted(os.listdir(folder)) if folder.exists() else []


def test_correct_hash_puts_the_file_in_place(server, tmp_path):
    sha = server.publish('model.pth', CONTENT)
    dest = tmp_path / 'ckpt'
    path = download_entry(_entry(server, sha, len(CONTENT)), str(dest))
    assert path == str(dest / 'model.pth')
    assert (dest / 'model.pth').read_bytes() == CONTENT
    assert _files(dest) == ['model.pth']  # no temporary file left
    assert file_sha256(path) == hashlib.sha256(CONTENT).hexdigest()
    assert server.requests == ['/model.pth']


def test_a_verified_file_is_not_downloaded_again(server, tmp_path):
    sha = server.publish('model.pth', CONTENT)
    entry = _entry(server, sha, len(CONTENT))
    first = download_entry(entry, str(tmp_path))
    mtime = os.stat(first).st_mtime_ns
    assert download_entry(entry, str(tmp_path)) == first
    assert server.requests == ['/model.pth']
    assert os.stat(first).st_mtime_ns == mtime


def test_wrong_hash_raises_and_leaves_nothing(server, tmp_path):
    server.publish('model.pth', CONTENT)
    expected = hashlib.sha256(b'another file').hexdigest()
    dest = tmp_path / 'ckpt'
    with pytest.raises(DownloadError) as info:
        download_entry(_entry(server, expected), str(dest))
    message = str(info.value)
    assert expected in message
    assert hashlib.sha256(CONTENT).hexdigest() in message
    assert _files(dest) == []


def test_wrong_size_raises_and_leaves_nothing(server, tmp_path):
    sha = server.publish('model.pth', CONTENT)
    with pytest.raises(DownloadError, match=f'{len(CONTENT)} bytes, '
                       f'expected {len(CONTENT) + 1}'):
        download_entry(_entry(server, sha, len(CONTENT) + 1), str(tmp_path))
    assert _files(tmp_path) == ['served']


def test_cut_download_raises_and_leaves_nothing(server, tmp_path):
    """The server announces the whole file and hangs up half-way; the hash
    is pinned by the user, so no size is known in advance."""
    server.publish('model.pth', CONTENT)
    dest = tmp_path / 'ckpt'
    entry = _entry(server, None, url_path='truncated/model.pth')
    with pytest.raises(DownloadError, match='cut|failed'):
        download_entry(entry, str(dest),
                       sha256=hashlib.sha256(CONTENT).hexdigest())
    assert _files(dest) == []


def test_a_damaged_file_in_place_is_replaced(server, tmp_path):
    sha = server.publish('model.pth', CONTENT)
    (tmp_path / 'model.pth').write_bytes(CONTENT[:1000])
    download_entry(_entry(server, sha, len(CONTENT)), str(tmp_path))
    assert (tmp_path / 'model.pth').read_bytes() == CONTENT
    assert server.requests == ['/model.pth']


def test_a_failed_download_keeps_the_previous_file(server, tmp_path):
    server.publish('model.pth', CONTENT)
    (tmp_path / 'model.pth').write_bytes(b'old')
    with pytest.raises(DownloadError):
        download_entry(_entry(server, 'f' * 64), str(tmp_path))
    assert (tmp_path / 'model.pth').read_bytes() == b'old'
    assert _files(tmp_path) == ['model.pth', 'served']


def test_entry_without_hash_is_refused_with_manual_steps(server, tmp_path):
    server.publish('model.pth', CONTENT)
    entry = _entry(server, None, how_to_obtain='register at example.org',
                   source='https://example.org/hands',
                   convert='python tools/convert_checkpoint.py hamer SRC '
                   'checkpoints/x.pth', config='configs/x.py')
    with pytest.raises(MissingAssetError) as info:
        download_entry(entry, str(tmp_path / 'ckpt'))
    message = str(info.value)
    for part in ('no sha256', 'register at example.org',
                 'https://example.org/hands',
                 'python tools/convert_checkpoint.py hamer SRC',
                 'configs/x.py', '--sha256 HEX'):
        assert part in message, part
    assert server.requests == []
    assert not (tmp_path / 'ckpt').exists()


def test_a_pinned_hash_downloads_an_entry_without_one(server, tmp_path):
    sha = server.publish('model.pth', CONTENT)
    entry = _entry(server, None)
    path = download_entry(entry, str(tmp_path), sha256=sha.upper())
    assert open(path, 'rb').read() == CONTENT
    with pytest.raises(ConfigError, match='64 hex'):
        download_entry(entry, str(tmp_path), sha256='abc')


def test_entry_without_url_says_how_to_get_it(tmp_path):
    entry = ModelZooEntry(name='drive', filename='w.ckpt', description='',
                          sha256='0' * 64, how_to_obtain='open the folder')
    with pytest.raises(MissingAssetError,
                       match='no direct download link.*open the folder'):
        download_entry(entry, str(tmp_path))


def test_mirror_variable_replaces_the_url(server, tmp_path, monkeypatch):
    sha = server.publish('model.pth', CONTENT)
    entry = ModelZooEntry(name='tiny', filename='model.pth', description='',
                          url='http://127.0.0.1:9/gone/model.pth',
                          sha256=sha, size=len(CONTENT))
    monkeypatch.setenv('EGOHANDS_MODEL_ZOO_URL', server.base_url + '/')
    download_entry(entry, str(tmp_path / 'a'))
    assert server.requests == ['/model.pth']
    # a folder on a shared disk works the same way
    monkeypatch.setenv('EGOHANDS_MODEL_ZOO_URL', server.root.as_uri())
    path = download_entry(entry, str(tmp_path / 'b'))
    assert open(path, 'rb').read() == CONTENT
    assert server.requests == ['/model.pth']


def test_http_errors_name_the_url(server, tmp_path):
    entry = _entry(server, '0' * 64, url_path='missing.pth')
    with pytest.raises(DownloadError, match='missing.pth.*404'):
        download_entry(entry, str(tmp_path / 'ckpt'))
    assert _files(tmp_path / 'ckpt') == []
    ftp = ModelZooEntry(name='ftp', filename='a.pth', description='',
                        url='ftp://example.org/a.pth', sha256='0' * 64)
    with pytest.raises(DownloadError, match='scheme'):
        download_entry(ftp, str(tmp_path / 'ckpt'))
