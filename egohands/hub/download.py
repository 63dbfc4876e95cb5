"""Download model-zoo checkpoints with sha256 verification, load them safely.

Why not ``torch.hub`` / mmengine's ``load_from='https://...'``: those check
no hash by default, and torch.hub's optional check only reads a short hash
prefix from the file name (OpenMMLab's ``-<hash>_<date>.pth`` names turn it
off silently); they also load with ``weights_only=False``. Here:

* the expected sha256 (and size) come from the index
  (``egohands.hub.model_zoo``), never from the file name;
* the file is streamed to a temporary file next to its destination, hashed
  on the way, and renamed into place (atomically) only if hash and size
  match; on any failure the temporary file is removed, so nothing
  half-written is ever left under the final name;
* a file already in place with the right hash is not downloaded again;
* ``EGOHANDS_MODEL_ZOO_URL`` (a base URL, ``file://`` included) replaces
  every entry's URL by ``<base>/<filename>``: a local mirror for tests and
  air-gapped machines;
* entries without a published hash are refused, with the manual steps,
  unless the caller pins a hash (``sha256=`` / ``--sha256``).

Files go to ``dest``, else ``$EGOHANDS_CHECKPOINT_DIR``, else
``checkpoints/`` (the directory the configs' ``load_from`` paths use).
"""
from __future__ import annotations

import hashlib
import http.client
import os
import os.path as osp
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import IO, Any, Dict, Optional

from egohands.utils.atomic_file import atomic_write
from egohands.utils.errors import (ConfigError, DownloadError,
                                   MissingAssetError)
from .model_zoo import (SHA256_PATTERN, ModelZooEntry, get_entry,
                        model_zoo_index)

MIRROR_ENV = 'EGOHANDS_MODEL_ZOO_URL'
CHECKPOINT_DIR_ENV = 'EGOHANDS_CHECKPOINT_DIR'
DEFAULT_CHECKPOINT_DIR = 'checkpoints'
CHUNK_BYTES = 1 << 20
TIMEOUT_S = 60.0
ALLOWED_SCHEMES = ('http', 'https', 'file')


def file_sha256(path: str) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(CHUNK_BYTES), b''):
            digest.update(block)
    return digest.hexdigest()


def checkpoint_dir(dest: Optional[str] = None) -> str:
    """``dest``, else ``$EGOHANDS_CHECKPOINT_DIR``, else ``checkpoints``."""
    return dest or os.environ.get(CHECKPOINT_DIR_ENV) or \
        DEFAULT_CHECKPOINT_DIR


def normalise_sha256(value: str) -> str:
    """Lowercase hex; a ConfigError unless it is 64 hex digits."""
    value = value.strip().lower()
    if not SHA256_PATTERN.match(value):
        raise ConfigError(f'--sha256 {value!r}: a sha256 is 64 hex digits '
                          '(as printed by sha256sum)')
    return value


def converter_available(command: str) -> bool:
    """False if ``command`` runs ``tools/convert_checkpoint.py NAME`` and
    egohands has no converter ``NAME``."""
    match = re.search(r'convert_checkpoint\.py\s+(\S+)', command)
    if match is None:
        return True
    try:
        from egohands.checkpoint_converters import CONVERTERS
    except ImportError:
        return False
    return match.group(1) in CONVERTERS


def manual_instructions(entry: ModelZooEntry) -> str:
    """How to obtain and convert an entry by hand (one paragraph)."""
    parts = [f'obtain it by hand: {entry.how_to_obtain or entry.source}']
    if entry.source:
        parts.append(f'source: {entry.source}')
    if entry.convert:
        missing = ('' if converter_available(entry.convert) else
                   ' (that converter is not in this version of egohands '
                   'yet)')
        parts.append(f'then convert it (SRC = the checkpoint file): '
                     f'{entry.convert}{missing}')
    if entry.config:
        parts.append(f'config: {entry.config}')
    return '; '.join(parts)


def download_url(entry: ModelZooEntry, use_mirror: bool = True
                 ) -> Optional[str]:
    """The URL to fetch: ``$EGOHANDS_MODEL_ZOO_URL/<filename>`` when the
    mirror variable is set (and ``use_mirror``), else the entry's own URL
    (None: none)."""
    mirror = os.environ.get(MIRROR_ENV) if use_mirror else None
    if mirror:
        return mirror.rstrip('/') + '/' + urllib.parse.quote(entry.filename)
    return entry.url


def _matches(path: str, sha256: str, size: Optional[int]) -> bool:
    if size is not None and osp.getsize(path) != size:
        return False
    return file_sha256(path) == sha256


class _Progress:
    """A one-line progress bar on a stream, redrawn at most every 0.2 s."""

    def __init__(self, name: str, total: Optional[int],
                 stream: Optional[IO[str]]) -> None:
        self.name, self.total, self.stream = name, total, stream
        self.done, self._last = 0, 0.0

    def update(self, count: int, final: bool = False) -> None:
        self.done += count
        now = time.monotonic()
        if self.stream is None or (not final and now - self._last < 0.2):
            return
        self._last = now
        mib = self.done / 2**20
        if self.total:
            filled = int(30 * self.done / self.total)
            bar = '#' * filled + '.' * (30 - filled)
            text = (f'{self.name} [{bar}] {mib:.1f}/{self.total / 2**20:.1f}'
                    ' MiB')
        else:
            text = f'{self.name} {mib:.1f} MiB'
        self.stream.write('\r' + text + ('\n' if final else ''))
        self.stream.flush()


def _fetch(url: str, target: IO[bytes], name: str, size: Optional[int],
           progress: Optional[IO[str]]) -> str:
    """Stream ``url`` into ``target``; return the hex sha256 of the bytes."""
    scheme = urllib.parse.urlparse(url).scheme
    if scheme not in ALLOWED_SCHEMES:
        raise DownloadError(f'{name}: cannot download {url}: the scheme must '
                            f'be one of {ALLOWED_SCHEMES}')
    digest = hashlib.sha256()
    received = 0
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            length = response.headers.get('Content-Length')
            announced = int(length) if length else None
            bar = _Progress(name, size or announced, progress)
            for block in iter(lambda: response.read(CHUNK_BYTES), b''):
                digest.update(block)
                target.write(block)
                received += len(block)
                bar.update(len(block))
            bar.update(0, final=True)
    except (urllib.error.URLError, http.client.HTTPException, OSError,
            ValueError) as err:
        raise DownloadError(
            f'{name}: downloading {url} failed ({err}); check the network, '
            f'or serve the file from a mirror and set {MIRROR_ENV} to its '
            'base URL') from err
    if announced is not None and received != announced:
        raise DownloadError(f'{name}: the download of {url} was cut after '
                            f'{received} of {announced} bytes; try again')
    return digest.hexdigest()


def download_entry(entry: ModelZooEntry, dest: Optional[str] = None,
                   sha256: Optional[str] = None,
                   progress: Optional[IO[str]] = None,
                   use_mirror: bool = True) -> str:
    """Download and verify one entry; return the path of the verified file.

    Args:
        entry: the model-zoo entry.
        dest: directory (default: :func:`checkpoint_dir`).
        sha256: a hash the caller trusts; replaces the entry's (required
            for entries that have none).
        progress: stream for the progress bar (None: silent).
        use_mirror: let ``$EGOHANDS_MODEL_ZOO_URL`` replace the URL (False
            for a URL the user named, such as a ``load_from`` URL).

    Raises:
        MissingAssetError: the entry has no hash (and none is pinned) or no
            URL: the message says how to obtain and convert it by hand.
        DownloadError: network failure, or hash / size mismatch (naming the
            expected and the actual value); nothing is left behind.
    """
    expected = normalise_sha256(sha256) if sha256 else entry.sha256
    url = download_url(entry, use_mirror)
    if expected is None or url is None:
        reasons = [f'upstream publishes no sha256 for {entry.filename}, so '
                   'egohands does not download it unverified'] \
            if expected is None else []
        if url is None:
            reasons.append(f'there is no direct download link for '
                           f'{entry.filename}')
        pin = (f'. To download it anyway, pin a hash you trust: python '
               f'tools/download.py {entry.name} --sha256 HEX'
               if expected is None and url else '')
        raise MissingAssetError(f'{entry.name}: {" and ".join(reasons)}; '
                                f'{manual_instructions(entry)}{pin}')
    # a pinned hash is for this file, whatever size the index says
    size = entry.size if expected == entry.sha256 else None
    directory = checkpoint_dir(dest)
    path = osp.join(directory, entry.filename)
    if osp.isfile(path) and _matches(path, expected, size):
        return path
    with atomic_write(path) as handle:  # renamed only if verified
        actual = _fetch(url, handle, entry.name, size, progress)
        got_size = handle.tell()
        if size is not None and got_size != size:
            raise DownloadError(
                f'{entry.name}: {url} gave {got_size} bytes, expected {size}; '
                'the download was cut or the server holds another file')
        if actual != expected:
            raise DownloadError(
                f'{entry.name}: sha256 mismatch for {url}: expected '
                f'{expected}, got {actual}; the file was not kept (a web '
                'page instead of the file, a changed upstream file or a bad '
                'mirror)')
    return path


def download_model(name: str, dest: Optional[str] = None,
                   sha256: Optional[str] = None,
                   progress: Optional[IO[str]] = None,
                   index: Optional[Dict[str, ModelZooEntry]] = None) -> str:
    """:func:`download_entry` for the index entry ``name``."""
    return download_entry(get_entry(name, index), dest, sha256, progress)


def load_checkpoint_verified(name_or_path: str,
                             dest: Optional[str] = None,
                             sha256: Optional[str] = None,
                             map_location: Any = 'cpu',
                             index: Optional[Dict[str, ModelZooEntry]] = None,
                             progress: Optional[IO[str]] = sys.stderr) -> Any:
    """Load a checkpoint from a local path or a model-zoo name.

    A name is downloaded and verified first (:func:`download_model`); a
    path is checked against ``sha256`` when one is given. Loading uses
    ``torch.load(weights_only=True)`` with egohands' allow-list of the
    globals of mmengine checkpoints
    (``egohands.utils.checkpoint.read_torch_checkpoint``); unsafe
    unpickling only after the explicit opt-in ``EGOHANDS_TRUST_PICKLE=1``.

    Raises:
        MissingAssetError: neither an existing file nor a known name.
        DownloadError: the file does not match ``sha256``.
        CheckpointError: the file cannot be read as a checkpoint.
    """
    from egohands.utils.checkpoint import read_torch_checkpoint
    if osp.isfile(name_or_path):
        path = name_or_path
        if sha256 and file_sha256(path) != normalise_sha256(sha256):
            raise DownloadError(
                f'{path}: sha256 mismatch: expected {normalise_sha256(sha256)}'
                f', got {file_sha256(path)}')
    else:
        index = model_zoo_index() if index is None else index
        if name_or_path not in index and (osp.sep in name_or_path
                                          or '.' in name_or_path):
            raise MissingAssetError(
                f'checkpoint {name_or_path} does not exist (and is not a '
                'model-zoo name: python tools/download.py --list)')
        path = download_model(name_or_path, dest, sha256, progress, index)
    return read_torch_checkpoint(path, map_location)
