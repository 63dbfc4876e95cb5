"""Validation of annotation records; messages name file, record and field.

Dataset readers parse JSON themselves (fast, and without pycocotools) and
check every field through :class:`RecordChecker`. A malformed value raises
:class:`~egohands.utils.errors.AnnotationError` such as::

    data/x/val.json: annotation id 17: 'joints_3d' must be 21x3 numbers,
    got 20 rows

so the user knows which file, which record and which field to fix.
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Mapping, Optional, Sequence, Tuple

import numpy as np

from egohands.utils.errors import AnnotationError

_MISSING = object()


def _describe_shape(array: np.ndarray, shape: Tuple[int, ...]) -> str:
    """Say how ``array`` differs from ``shape`` in words ("20 rows", ...)."""
    if array.ndim != len(shape):
        return f'shape {tuple(array.shape)}'
    if len(shape) >= 2 and array.shape[0] != shape[0]:
        return f'{array.shape[0]} rows'
    if len(shape) >= 2:
        return f'{array.shape[1]} columns'
    return f'{array.shape[0]} numbers'


def _shape_text(shape: Tuple[int, ...]) -> str:
    return 'x'.join(str(s) for s in shape)


class RecordChecker:
    """Typed field access for one record of one annotation file.

    Args:
        file: path of the annotation file (as given to the dataset).
        kind: record kind for messages (``'image'``, ``'annotation'``).
        record: the JSON object (dict) of the record.
        record_id: its id for messages; ``record['id']`` when omitted.
    """

    def __init__(self, file: str, kind: str, record: Any,
                 record_id: Any = _MISSING) -> None:
        self.file = str(file)
        self.kind = kind
        if record_id is _MISSING:
            record_id = record.get('id', '?') if isinstance(record,
                                                           dict) else '?'
        self.record_id = record_id
        if not isinstance(record, dict):
            self.fail(None, f'must be a JSON object, got '
                      f'{type(record).__name__}')
        self.record = record

    # -- errors ---------------------------------------------------------
    def where(self) -> str:
        return f'{self.file}: {self.kind} id {self.record_id}'

    def fail(self, field: Optional[str], problem: str) -> None:
        """Raise :class:`AnnotationError` for ``field`` of this record."""
        what = f"'{field}' {problem}" if field else problem
        raise AnnotationError(f'{self.where()}: {what} '
                              '(format: docs/data_format.md)')

    # -- field access ---------------------------------------------------
    def has(self, key: str) -> bool:
        return self.record.get(key) is not None

    def _get(self, key: str, optional: bool) -> Any:
        value = self.record.get(key, None)
        if value is None and not optional:
            self.fail(key, 'is missing')
        return value

    def integer(self, key: str, optional: bool = False,
                minimum: Optional[int] = None,
                default: Any = None) -> Optional[int]:
        """An integer field (JSON numbers like ``3.0`` are accepted)."""
        value = self._get(key, optional)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, numbers.Real) \
                or not math.isfinite(value) or float(value) != int(value):
            self.fail(key, f'must be an integer, got {value!r}')
        value = int(value)
        if minimum is not None and value < minimum:
            self.fail(key, f'must be >= {minimum}, got {value}')
        return value

    def string(self, key: str, optional: bool = False,
               choices: Optional[Sequence[str]] = None,
               default: Any = None) -> Optional[str]:
        value = self._get(key, optional)
        if value is None:
            return default
        if not isinstance(value, str):
            self.fail(key, f'must be a string, got {value!r}')
        if choices is not None and value not in choices:
            self.fail(key, f'must be one of {list(choices)}, got {value!r}')
        return value

    def identifier(self, key: str, optional: bool = True) -> Any:
        """A string or integer label (sequence names, view names)."""
        value = self._get(key, optional)
        if value is None or isinstance(value, str):
            return value
        return self.integer(key, optional)

    def array(self, key: str, shape: Tuple[int, ...], optional: bool = False,
              finite_rows: Optional[np.ndarray] = None,
              flat_ok: bool = False) -> Optional[np.ndarray]:
        """A numeric array of exactly ``shape`` (float64).

        Args:
            key: field name.
            shape: required shape, e.g. ``(21, 3)``.
            optional: return None when the field is absent or null.
            finite_rows: (shape[0],) bool; rows where it is False may hold
                null / NaN (they are set to 0). Default: all must be finite.
            flat_ok: also accept the flat list of ``prod(shape)`` numbers
                (COCO writes keypoints flat).
        """
        value = self._get(key, optional)
        if value is None:
            return None
        if finite_rows is not None and len(shape) == 2 and isinstance(
                value, list):  # a `null` row is an absent (invalid) joint
            value = [[np.nan] * shape[1] if row is None else row
                     for row in value]
        try:
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            # ragged lists or strings: describe the outer length if possible
            rows = len(value) if isinstance(value, (list, tuple)) else None
            self.fail(key, f'must be {_shape_text(shape)} numbers, got '
                      + (f'{rows} rows of mixed length or non-numbers'
                         if rows is not None else repr(value)))
        if flat_ok and array.ndim == 1 and array.size == int(np.prod(shape)):
            array = array.reshape(shape)
        if array.shape != tuple(shape):
            self.fail(key, f'must be {_shape_text(shape)} numbers, got '
                      f'{_describe_shape(array, shape)}')
        finite = np.isfinite(array)
        if finite.all():
            return array
        if finite_rows is not None:
            allowed = ~np.asarray(finite_rows, bool).reshape(
                (-1, ) + (1, ) * (array.ndim - 1))
            if (finite | allowed).all():
                return np.where(finite, array, 0.0)
            finite = finite | allowed
        bad = np.argwhere(~finite)[0]
        self.fail(key, f'must hold finite numbers, got {array[tuple(bad)]} '
                  f'at index {tuple(int(i) for i in bad)}')

    def flags(self, key: str, length: int,
              optional: bool = False) -> Optional[np.ndarray]:
        """A list of ``length`` 0/1 (or true/false) validity flags."""
        array = self.array(key, (length, ), optional)
        if array is None:
            return None
        if not ((array == 0.0) | (array == 1.0)).all():
            self.fail(key, f'must hold only 0 or 1, got '
                      f'{sorted(set(array.tolist()) - {0.0, 1.0})[:3]}')
        return array

    def mapping(self, key: str, optional: bool = False) -> Optional[Mapping]:
        value = self._get(key, optional)
        if value is not None and not isinstance(value, dict):
            self.fail(key, f'must be a JSON object, got '
                      f'{type(value).__name__}')
        return value

    def nested(self, key: str) -> 'RecordChecker':
        """A checker for a sub-object, reporting fields as ``key.field``."""
        sub = RecordChecker(self.file, self.kind, self.mapping(key),
                            self.record_id)
        outer_fail = sub.fail

        def fail(field: Optional[str], problem: str) -> None:
            outer_fail(f'{key}.{field}' if field else key, problem)

        sub.fail = fail  # type: ignore[method-assign]
        return sub
