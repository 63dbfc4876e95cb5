"""Read a released checkpoint, convert its keys, write an egohands one.

The written file is ``{'state_dict': {name: tensor}, 'meta': {...}}`` with
nothing but tensors, strings, numbers, lists and dicts, so it loads under
``torch.load(weights_only=True)`` (mmengine's ``load_from``, tools/test.py).
``meta`` records the converter, the source file name and sha256 and the
conversion report (kept and dropped keys).
"""
import os
from pathlib import Path
from typing import Sequence

import torch

from egohands.checkpoint_converters.key_rules import (ConversionReport,
                                                      KeyRule,
                                                      apply_key_rules)
from egohands.checkpoint_converters.reading import (read_foreign_checkpoint,
                                                    tensor_state_dict)
from egohands.hub import file_sha256
from egohands.utils.errors import ConfigError


def convert_file(src: str, dst: str, rules: Sequence[KeyRule],
                 converter: str, how_to_obtain: str = '',
                 overwrite: bool = False) -> ConversionReport:
    """Convert the checkpoint ``src`` into the egohands checkpoint ``dst``.

    Raises:
        ConfigError: ``dst`` exists and ``overwrite`` is False, or equals
            ``src``.
        MissingAssetError / CheckpointError: unreadable or unexpected
            source (see ``reading`` and ``key_rules``).
    """
    if os.path.abspath(src) == os.path.abspath(dst):
        raise ConfigError(f'the output {dst} is the input checkpoint; '
                          'choose another output path')
    if Path(dst).exists() and not overwrite:
        raise ConfigError(f'{dst} exists; pass --force to overwrite it')
    contents = read_foreign_checkpoint(src, how_to_obtain)
    state_dict, report = apply_key_rules(tensor_state_dict(contents), rules,
                                         os.path.basename(src))
    report.opaque_globals = list(contents.opaque_globals)
    meta = dict(converter=converter, source_sha256=file_sha256(src),
                conversion=report.as_meta())
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    torch.save(dict(state_dict={key: value.detach().clone().contiguous()
                                for key, value in state_dict.items()},
                    meta=meta), dst)
    return report
