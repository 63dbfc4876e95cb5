"""Loading converted tensors into a model, with a report of what happened.

Every backbone that reads pretrained weights and every check of a full
checkpoint against a model goes through :func:`load_with_report`: tensors
whose shape differs from the model's are not loaded, and the report lists
what was loaded, what kept its initial value (missing) and what did not
fit (unexpected, mismatched). A model family converts the names of a
foreign checkpoint first with its own checkpoint filter (a function next
to the model, built on :mod:`egohands.checkpoint_converters.key_rules`);
:func:`load_pretrained` chains reading, the filter and the load.
"""
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, List, Mapping, Tuple, Union

import torch
from mmengine.logging import print_log
from torch import nn

from egohands.checkpoint_converters.key_rules import abbreviate
from egohands.checkpoint_converters.reading import (extract_state_dict,
                                                    read_foreign_checkpoint)
from egohands.utils.errors import CheckpointError

#: (state dict of the checkpoint, model) -> (state dict in the model's
#: names, name of the source's key style)
CheckpointFilter = Callable[[Mapping[str, torch.Tensor], nn.Module],
                            Tuple[Mapping[str, torch.Tensor], str]]


@dataclass
class LoadReport:
    """What happened when tensors were loaded into a model.

    Attributes:
        key_style: how the source named its keys (``'vitpose'``,
            ``'potter_cls'``, ``'egohands'``...).
        loaded: keys of the model that received a tensor.
        missing_keys: keys of the model that kept their initial values.
        unexpected_keys: keys of the source the model does not have.
        shape_mismatches: (key, source shape, model shape), not loaded.
    """
    key_style: str
    loaded: List[str] = field(default_factory=list)
    missing_keys: List[str] = field(default_factory=list)
    unexpected_keys: List[str] = field(default_factory=list)
    shape_mismatches: List[Tuple[str, tuple, tuple]] = field(
        default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.missing_keys or self.unexpected_keys
                    or self.shape_mismatches)

    def summary(self) -> str:
        """One line: loaded / kept-initial / mismatched counts and names."""
        parts = [f'key style {self.key_style}',
                 f'{len(self.loaded)} tensors loaded']
        if self.missing_keys:
            parts.append(f'{len(self.missing_keys)} kept their initial values '
                         f'({abbreviate(self.missing_keys)})')
        if self.shape_mismatches:
            parts.append(f'{len(self.shape_mismatches)} of another shape, not '
                         'loaded (' + abbreviate([
                             f'{key} checkpoint {tuple(src)} vs model '
                             f'{tuple(dst)}'
                             for key, src, dst in self.shape_mismatches]) +
                         ')')
        if self.unexpected_keys:
            parts.append(f'{len(self.unexpected_keys)} unexpected, ignored '
                         f'({abbreviate(self.unexpected_keys)})')
        return '; '.join(parts)

    def __str__(self) -> str:
        lines = [f'key style: {self.key_style}']
        if self.clean:
            lines.append('all keys matched')
        if self.missing_keys:
            lines.append('missing keys (kept their initial values): ' +
                         ', '.join(self.missing_keys))
        if self.unexpected_keys:
            lines.append('unexpected keys (ignored): ' +
                         ', '.join(self.unexpected_keys))
        for key, src, dst in self.shape_mismatches:
            lines.append(f'shape mismatch (not loaded): {key} checkpoint '
                         f'{tuple(src)} vs model {tuple(dst)}')
        return '\n'.join(lines)


def fit_report(model_state: Mapping[str, torch.Tensor],
               tensors: Mapping[str, torch.Tensor],
               key_style: str = 'egohands') -> LoadReport:
    """Compare ``tensors`` with a model's ``state_dict()`` without loading."""
    report = LoadReport(key_style)
    for key, value in tensors.items():
        if key not in model_state:
            report.unexpected_keys.append(key)
        elif tuple(model_state[key].shape) != tuple(value.shape):
            report.shape_mismatches.append(
                (key, tuple(value.shape), tuple(model_state[key].shape)))
        else:
            report.loaded.append(key)
    report.missing_keys = [key for key in model_state if key not in tensors]
    return report


def load_with_report(model: nn.Module, tensors: Mapping[str, torch.Tensor],
                     strict: bool = False, source: str = 'checkpoint',
                     key_style: str = 'egohands') -> LoadReport:
    """Load the tensors of ``tensors`` that fit ``model``; log the report.

    Raises:
        CheckpointError: with ``strict``, any missing, unexpected or
            mismatched key (nothing is loaded then).
    """
    report = fit_report(model.state_dict(), tensors, key_style)
    if strict and not report.clean:
        raise CheckpointError(
            f'{source} does not fit {type(model).__name__} exactly (strict '
            f'loading): {report.summary()}; set strict_load=False to load '
            'what fits')
    model.load_state_dict(
        OrderedDict((key, tensors[key]) for key in report.loaded),
        strict=False)
    print_log(f'loaded {source} into {type(model).__name__}: '
              f'{report.summary()}', logger='current')
    return report


def load_pretrained(model: nn.Module, checkpoint: Union[str, Mapping[str,
                                                                     Any]],
                    checkpoint_filter: CheckpointFilter,
                    strict: bool = False,
                    prefix: str = 'backbone.',
                    how_to_obtain: str = '') -> LoadReport:
    """Read ``checkpoint`` (a path or a loaded dict), convert it with the
    model family's ``checkpoint_filter`` and load it with a report.

    A path is read without running pickled code
    (:func:`~egohands.checkpoint_converters.reading.read_foreign_checkpoint`);
    keys under ``prefix`` are taken when the file holds a whole model.
    """
    source = checkpoint if isinstance(checkpoint, str) else 'state dict'
    if isinstance(checkpoint, str):
        checkpoint = read_foreign_checkpoint(checkpoint, how_to_obtain).data
    tensors, key_style = checkpoint_filter(
        extract_state_dict(checkpoint, prefix, str(source)), model)
    return load_with_report(model, tensors, strict, str(source), key_style)
