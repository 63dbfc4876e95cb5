"""Explicit key tables for converting state dicts, and their reports.

A converter is a table of :class:`KeyRule` s, tried in order: the first rule
whose pattern matches a source key either renames it (``target`` set) or
drops it (``target`` None) with the rule's ``reason``. A key that no rule
matches is an error: a converter says what it does with every key of the
released file, so a changed release cannot be half-converted silently.
"""
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import torch

from egohands.utils.errors import CheckpointError


@dataclass(frozen=True)
class KeyRule:
    """``pattern`` (regex, full match) -> ``target`` (``re`` replacement
    with groups) or None to drop the key; ``reason`` is shown in reports."""

    pattern: str
    target: Optional[str]
    reason: str = ''


#: last rule of a table that keeps every other key under its own name
KEEP_OTHER_KEYS = KeyRule(r'(.+)', r'\1')


def prefixed_rules(source_prefix: str, target_prefix: str,
                   parts: Sequence[Tuple[str, str]]) -> List[KeyRule]:
    """One rule per ``(source, target)`` pair of ``parts``, with
    ``source_prefix`` (regex) before the pattern and ``target_prefix``
    before the replacement: one table of a module's parameter names serves
    wherever the module stands (each decoder layer, each stage)."""
    return [KeyRule(source_prefix + source, target_prefix + target)
            for source, target in parts]


@dataclass
class ConversionReport:
    """What a conversion did, key by key."""

    source: str
    #: source key -> egohands key
    renamed: Dict[str, str] = field(default_factory=dict)
    #: reason -> source keys dropped for it
    dropped: Dict[str, List[str]] = field(default_factory=dict)
    #: classes replaced by inert stand-ins while reading (config objects)
    opaque_globals: List[str] = field(default_factory=list)

    def summary(self) -> str:
        """A few lines for the terminal."""
        lines = [f'{self.source}: {len(self.renamed)} tensors kept']
        for reason, keys in self.dropped.items():
            lines.append(f'  dropped {len(keys)} ({reason}): '
                         f'{abbreviate(keys)}')
        if self.opaque_globals:
            lines.append('  not unpickled (config objects, ignored): ' +
                         abbreviate(self.opaque_globals))
        return '\n'.join(lines)

    def as_meta(self) -> dict:
        """Plain-python record for the checkpoint's ``meta``."""
        return dict(source=self.source, num_tensors=len(self.renamed),
                    dropped={reason: list(keys)
                             for reason, keys in self.dropped.items()})


def abbreviate(keys: Sequence[str], shown: int = 4) -> str:
    """The first ``shown`` keys, then how many more."""
    head = ', '.join(list(keys)[:shown])
    return head + (f', ... (+{len(keys) - shown})' if len(keys) > shown
                   else '')


def apply_key_rules(state_dict: Mapping[str, torch.Tensor],
                    rules: Sequence[KeyRule], source: str
                    ) -> Tuple['OrderedDict[str, torch.Tensor]',
                               ConversionReport]:
    """Rename / drop every key of ``state_dict`` with the first matching
    rule.

    Raises:
        CheckpointError: keys that no rule matches, or two source keys that
            map to the same target.
    """
    compiled = [(re.compile(rule.pattern), rule) for rule in rules]
    converted: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
    report = ConversionReport(source)
    unknown = []
    for key, value in state_dict.items():
        for pattern, rule in compiled:
            match = pattern.fullmatch(key)
            if match is None:
                continue
            if rule.target is None:
                report.dropped.setdefault(rule.reason, []).append(key)
            else:
                target = match.expand(rule.target)
                if target in converted:
                    raise CheckpointError(
                        f'{source}: two keys map to {target!r} (the second '
                        f'is {key!r}); the converter table is ambiguous')
                converted[target] = value
                report.renamed[key] = target
            break
        else:
            unknown.append(key)
    if unknown:
        raise CheckpointError(
            f'{source}: {len(unknown)} keys that the converter does not know '
            f'({abbreviate(unknown, 6)}); is it the expected release? The '
            'converter must be extended for it')
    return converted, report
