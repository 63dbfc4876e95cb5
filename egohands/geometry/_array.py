"""Numpy / torch dispatch shared by the geometry functions.

Every public function of ``egohands.geometry`` takes numpy arrays or torch
tensors and returns the type it was given (see the package docstring). The
helpers here pick the array module once per call, so the formulas are
written one time with ``xp.<function>`` (numpy >= 2 and torch share the
names used here: ``stack``, ``concatenate``, ``linalg.cross``, ``sqrt``,
``where``, ``atan2``, ``linalg.svd``, ``linalg.det``, ...).
"""
from types import ModuleType
from typing import List, Tuple, Union

import numpy as np
import torch

Array = Union[np.ndarray, torch.Tensor]


def float_arrays(*arrays) -> Tuple[ModuleType, List[Array]]:
    """Return ``(xp, arrays)`` with every input as a float array of ``xp``.

    ``xp`` is ``torch`` if any input is a tensor (the others are moved to its
    dtype and device), else ``numpy``. Integer inputs become float64 (numpy)
    or the default float dtype (torch); float32 inputs stay float32. ``None``
    passes through.
    """
    tensors = [a for a in arrays if isinstance(a, torch.Tensor)]
    if tensors:
        ref = next((t for t in tensors if t.is_floating_point()), tensors[0])
        dtype = (ref.dtype
                 if ref.is_floating_point() else torch.get_default_dtype())
        return torch, [
            None if a is None else torch.as_tensor(
                a, dtype=dtype, device=ref.device) for a in arrays
        ]
    present = [a for a in arrays if a is not None]
    dtype = np.result_type(
        *[a if isinstance(a, (int, float)) else np.asarray(a)
          for a in present], np.float32)
    return np, [None if a is None else np.asarray(a, dtype=dtype)
                for a in arrays]


def eye_like(reference: Array, n: int) -> Array:
    """(n, n) identity of the dtype (and device) of ``reference``."""
    if isinstance(reference, torch.Tensor):
        return torch.eye(n, dtype=reference.dtype, device=reference.device)
    return np.eye(n, dtype=reference.dtype)


def take_along_axis(values: Array, index: Array, axis: int) -> Array:
    """``np.take_along_axis`` / ``torch.take_along_dim`` for either type."""
    if isinstance(values, torch.Tensor):
        return torch.take_along_dim(values, index, dim=axis)
    return np.take_along_axis(values, index, axis=axis)


def argmax(values: Array, axis: int) -> Array:
    """Index of the maximum along ``axis``, with the axis kept (size 1)."""
    if isinstance(values, torch.Tensor):
        return values.argmax(dim=axis, keepdim=True)
    return np.expand_dims(values.argmax(axis=axis), axis)


def broadcast(*arrays: Array) -> List[Array]:
    """Broadcast arrays of one type to their common shape."""
    if isinstance(arrays[0], torch.Tensor):
        return list(torch.broadcast_tensors(*arrays))
    return list(np.broadcast_arrays(*arrays))


def stack_matrix(rows: List[List[Array]]) -> Array:
    """Nested list of (...) arrays -> (..., len(rows), len(rows[0])).

    The entries are broadcast together first (a scalar entry is fine).
    """
    flat = broadcast(*[entry for row in rows for entry in row])
    width = len(rows[0])
    rows = [flat[i:i + width] for i in range(0, len(flat), width)]
    xp = torch if isinstance(rows[0][0], torch.Tensor) else np
    return xp.stack([xp.stack(row, axis=-1) for row in rows], axis=-2)
