"""mmengine's checkpoint loading (``load_from``, ``resume``, ``init_cfg``
Pretrained) routed through egohands' safe reading, and its checkpoint
writing made atomic.

mmengine picks a loader by the path's prefix (``CheckpointLoader``). Two are
replaced:

* local paths: :func:`~egohands.utils.checkpoint.read_torch_checkpoint`
  (weights only unless trusted; one clear error for a text, empty or
  truncated file);
* ``http://`` / ``https://``: mmengine's own loader downloads without any
  hash check and unpickles with ``weights_only=False``. Here the file goes
  through the verified downloader (:mod:`egohands.hub.download`: streamed
  to a temporary file, sha256-checked, renamed into ``checkpoints/``) and is
  then read like a local file. The sha256 comes from the URL's fragment
  (``https://host/model.pth#sha256=<64 hex digits>``, as pip's hash
  fragments) or from the model-zoo entry with that URL; a URL without
  either is refused.

Writing: mmengine saves a checkpoint with its local file backend's
``put``, which opens the final name and writes into it; a run killed
meanwhile leaves a truncated file. :class:`AtomicLocalBackend` writes to a
temporary name in the same folder and renames it.
"""
import os.path as osp
import re
import urllib.parse
from typing import Any, Optional

from mmengine.fileio.backends import LocalBackend

from egohands.utils.atomic_file import atomic_write
from egohands.utils.errors import DownloadError

_SHA256_FRAGMENT = re.compile(r'^sha256=([0-9a-fA-F]{64})$')


def load_local(filename: str, map_location: Any = None) -> Any:
    """mmengine loader of local paths."""
    from egohands.utils.checkpoint import read_torch_checkpoint
    return read_torch_checkpoint(osp.expanduser(filename), map_location)


def url_sha256(url: str) -> Optional[str]:
    """The sha256 pinned by the URL's ``#sha256=HEX`` fragment, else the
    one of the model-zoo entry whose URL it is, else None."""
    fragment = urllib.parse.urldefrag(url).fragment
    match = _SHA256_FRAGMENT.match(fragment)
    if match:
        return match.group(1).lower()
    if fragment:
        raise DownloadError(
            f'{url}: the URL fragment must be sha256=<64 hex digits>, got '
            f'#{fragment}')
    from egohands.hub.model_zoo import model_zoo_index
    for entry in model_zoo_index().values():
        if entry.url == url and entry.sha256:
            return entry.sha256
    return None


def download_verified_url(url: str) -> str:
    """Download ``url`` (sha256 from :func:`url_sha256`) into the
    checkpoint directory; return the local path of the verified file."""
    from egohands.hub.download import checkpoint_dir, download_entry
    from egohands.hub.model_zoo import ModelZooEntry
    sha256 = url_sha256(url)
    plain_url = urllib.parse.urldefrag(url).url
    if sha256 is None:
        raise DownloadError(
            f'{plain_url}: egohands downloads a remote checkpoint only with '
            'a known sha256 (mmengine\'s loader checks none); append '
            '#sha256=<64 hex digits> of a copy you trust to the URL, name a '
            'model-zoo entry, or download the file and give its local path')
    filename = osp.basename(urllib.parse.unquote(
        urllib.parse.urlparse(plain_url).path))
    if not filename or filename in ('.', '..'):
        raise DownloadError(f'{plain_url}: the URL names no file')
    entry = ModelZooEntry(name=filename, filename=filename,
                          description='load_from URL', url=plain_url,
                          sha256=sha256)
    return download_entry(entry, checkpoint_dir(), use_mirror=False)


def load_http(filename: str, map_location: Any = None,
              **unused: Any) -> Any:
    """mmengine loader of ``http(s)://`` paths: verified download, then
    :func:`load_local`."""
    return load_local(download_verified_url(filename), map_location)


class AtomicLocalBackend(LocalBackend):
    """mmengine's local backend whose ``put`` renames a complete file into
    place (same folder, so the rename is atomic)."""

    def put(self, obj: bytes, filepath) -> None:
        with atomic_write(str(filepath)) as f:
            f.write(obj)


def register_loader_schemes() -> None:
    """Replace mmengine's loaders of local and http(s) paths and its local
    file backend (atomic writes)."""
    from mmengine.fileio.backends import register_backend
    from mmengine.runner.checkpoint import CheckpointLoader
    register_backend('local', AtomicLocalBackend, force=True, prefixes='')
    CheckpointLoader.register_scheme(prefixes='', loader=load_local,
                                     force=True)
    CheckpointLoader.register_scheme(prefixes=('http://', 'https://'),
                                     loader=load_http, force=True)

