"""Reading and writing checkpoints without running pickled code.

Every torch file egohands reads goes through :func:`read_torch_checkpoint`
(tools/test.py, ``load_from``, ``resume`` and ``init_cfg`` Pretrained via
the mmengine loader schemes installed by
:func:`install_safe_checkpoint_loading`): ``weights_only=True`` and a clear
:class:`~egohands.utils.errors.CheckpointError` for a file that is text,
truncated or holds objects weights-only loading refuses. Unsafe unpickling
happens only after one explicit opt-in (:func:`pickle_trusted`): the
tools' ``--trust-pickle`` flag, ``EGOHANDS_TRUST_PICKLE=1`` or a
``trust_pickle=True`` argument. :func:`atomic_torch_save` writes a file
under a temporary name and renames it, so a killed process never leaves a
half-written checkpoint under the final name.

torch >= 2.6 loads with ``weights_only=True`` by default, and mmengine 0.10.7
calls ``torch.load`` without the argument. Runner checkpoints hold objects
that the weights-only unpickler refuses (found with
``torch.serialization.get_unsafe_globals_in_checkpoint`` on real
checkpoints):

* ``mmengine.logging.HistoryBuffer`` (the message hub's log history), which
  pickles its statistics methods as ``getattr(HistoryBuffer, 'mean')``;
* NumPy arrays, dtypes and scalars (``numpy._core.multiarray._reconstruct``,
  ``numpy.ndarray``, ``numpy.dtype``, the ``numpy.dtypes`` classes,
  ``numpy._core.multiarray.scalar``).

:func:`install_safe_checkpoint_loading` allow-lists exactly these, keeping
``weights_only=True``: it never falls back to unsafe loading. ``getattr`` is
not allowed in general; a restricted stand-in only resolves the
``HistoryBuffer`` statistics methods. A checkpoint that needs anything else
still fails, and :func:`explain_unpickling_error` turns that failure into a
:class:`~egohands.utils.errors.CheckpointError` that names the file.
"""
from __future__ import annotations

import os
import pickle
from typing import Any, List, Optional

import numpy as np
import torch

from egohands.utils.errors import CheckpointError, MissingAssetError

#: environment variable of the opt-in to unpickle files one trusts
TRUST_PICKLE_ENV = 'EGOHANDS_TRUST_PICKLE'
#: the tools' command-line flag of the same opt-in
TRUST_PICKLE_FLAG = '--trust-pickle'
TRUST_PICKLE_HINT = (f'if you trust the file, rerun with {TRUST_PICKLE_FLAG} '
                     f'(or set {TRUST_PICKLE_ENV}=1; in Python pass '
                     'trust_pickle=True)')

_registered = False


def _history_buffer_getattr(obj: Any, name: str) -> Any:
    """``getattr`` limited to the statistics methods of ``HistoryBuffer``."""
    from mmengine.logging import HistoryBuffer
    if obj is HistoryBuffer and name in ('min', 'max', 'current', 'mean'):
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'weights-only load: getattr({obj!r}, {name!r}) is not allowed; '
        'egohands only allows the HistoryBuffer statistics methods')


def _numpy_globals() -> List[Any]:
    from numpy._core import multiarray
    dtype_classes = [
        getattr(np.dtypes, name) for name in dir(np.dtypes)
        if name.endswith('DType') and isinstance(getattr(np.dtypes, name),
                                                 type)
    ]
    return [multiarray._reconstruct, multiarray.scalar, np.ndarray,
            np.dtype] + dtype_classes


def install_safe_checkpoint_loading() -> None:
    """Allow-list the globals of mmengine Runner checkpoints and route
    mmengine's local and http(s) checkpoint loading through egohands
    (:mod:`egohands.utils.checkpoint_schemes`), once per process.

    Called when egohands' models, engine or tools are imported, so that
    ``resume``, ``load_from`` and ``init_cfg`` Pretrained load with
    ``weights_only=True`` and remote files are sha256-checked.
    """
    global _registered
    if _registered:
        return
    from mmengine.logging import HistoryBuffer

    from egohands.utils.checkpoint_schemes import register_loader_schemes
    torch.serialization.add_safe_globals(
        [HistoryBuffer, (_history_buffer_getattr, 'builtins.getattr')] +
        _numpy_globals())
    register_loader_schemes()
    _registered = True


def pickle_trusted(trust_pickle: Optional[bool] = None) -> bool:
    """The opt-in to unpickle a file unsafely: ``trust_pickle`` if given,
    else ``EGOHANDS_TRUST_PICKLE`` set to anything but '' or '0'."""
    if trust_pickle is not None:
        return bool(trust_pickle)
    return os.environ.get(TRUST_PICKLE_ENV, '0') not in ('', '0')


def trust_pickle_from_flag(flag: bool) -> None:
    """What a tool's ``--trust-pickle`` does: set the environment variable,
    so that every loader of this process (and its workers) sees it."""
    if flag:
        os.environ[TRUST_PICKLE_ENV] = '1'


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def explain_unpickling_error(path: str, err: Exception) -> CheckpointError:
    """A one-line :class:`CheckpointError` for a refused weights-only load
    (naming the refused global when torch says which)."""
    lines = [line for line in str(err).splitlines()
             if 'GLOBAL' in line or 'not allowed' in line]
    detail = lines[0].strip() if lines else _first_line(err)
    return CheckpointError(
        f'checkpoint {path} holds objects that weights-only loading refuses '
        f'({detail}); egohands does not run code from a file it does not '
        f'trust: {TRUST_PICKLE_HINT}')


def _refused_by_weights_only(err: Exception) -> bool:
    text = str(err)
    return isinstance(err, pickle.UnpicklingError) and (
        'GLOBAL' in text or 'not allowed' in text)


def read_torch_checkpoint(path: str, map_location: Any = 'cpu',
                          trust_pickle: Optional[bool] = None) -> Any:
    """``torch.load`` of a local file, weights only unless trusted.

    Raises:
        MissingAssetError: no such file.
        CheckpointError: a directory, an empty, text or truncated file, or
            (untrusted) a file holding objects weights-only loading refuses;
            the message names the file and, for the last case, the opt-in.
    """
    if not os.path.exists(path):
        raise MissingAssetError(f'checkpoint {path} does not exist')
    if not os.path.isfile(path):
        raise CheckpointError(f'checkpoint {path} is not a file')
    install_safe_checkpoint_loading()
    trusted = pickle_trusted(trust_pickle)
    try:
        return torch.load(path, map_location=map_location,
                          weights_only=not trusted)
    except Exception as err:  # torch raises many types for a bad file
        if not trusted and _refused_by_weights_only(err):
            raise explain_unpickling_error(path, err) from None
        size = os.path.getsize(path)
        raise CheckpointError(
            f'checkpoint {path} ({size} bytes) cannot be read as a torch '
            f'checkpoint: it is empty, text or truncated (a run killed while '
            f'writing it?) ({type(err).__name__}: {_first_line(err)[:120]})'
        ) from None


def atomic_torch_save(obj: Any, path: str) -> None:
    """``torch.save`` under a temporary name next to ``path``, then rename."""
    from egohands.utils.atomic_file import atomic_write
    with atomic_write(path) as f:
        torch.save(obj, f)
