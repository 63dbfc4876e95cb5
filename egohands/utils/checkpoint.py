"""Safe loading of mmengine checkpoints under ``torch.load(weights_only=True)``.

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

:func:`register_safe_checkpoint_globals` allow-lists exactly these, keeping
``weights_only=True``: it never falls back to unsafe loading. ``getattr`` is
not allowed in general; a restricted stand-in only resolves the
``HistoryBuffer`` statistics methods. A checkpoint that needs anything else
still fails, and :func:`explain_unpickling_error` turns that failure into a
:class:`~egohands.utils.errors.CheckpointError` that names the file.
"""
from __future__ import annotations

import pickle
from typing import Any, List

import numpy as np
import torch

from egohands.utils.errors import CheckpointError

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


def register_safe_checkpoint_globals() -> None:
    """Allow-list the globals of mmengine Runner checkpoints, once per process.

    Called when egohands' models, engine or tools are imported, so that
    ``resume`` and a local ``load_from`` work with ``weights_only=True``.
    """
    global _registered
    if _registered:
        return
    from mmengine.logging import HistoryBuffer
    torch.serialization.add_safe_globals(
        [HistoryBuffer, (_history_buffer_getattr, 'builtins.getattr')] +
        _numpy_globals())
    _registered = True


def explain_unpickling_error(path: str, err: Exception) -> CheckpointError:
    """A one-line :class:`CheckpointError` for a refused weights-only load."""
    first_line = str(err).strip().splitlines()[0] if str(err).strip() else ''
    return CheckpointError(
        f'checkpoint {path} holds objects that weights-only loading refuses '
        f'({first_line}); egohands does not load such files unsafely. If you '
        'trust the file, allow-list the named class with '
        'torch.serialization.add_safe_globals before loading it')
