"""Read a released checkpoint, convert its keys, write an egohands one.

The written file is ``{'state_dict': {name: tensor}, 'meta': {...}}`` with
nothing but tensors, strings, numbers, lists and dicts, so it loads under
``torch.load(weights_only=True)`` (mmengine's ``load_from``, tools/test.py).
``meta`` records the converter, the source file name and sha256 and the
conversion report (kept and dropped keys).
"""
import os
from pathlib import Path
from typing import Callable, Dict, Optional, Sequence

import torch

from egohands.checkpoint_converters.key_rules import (ConversionReport,
                                                      KeyRule,
                                                      apply_key_rules)
from egohands.checkpoint_converters.reading import (extract_state_dict,
                                                    read_foreign_checkpoint)
from egohands.hub import file_sha256
from egohands.utils.checkpoint import atomic_torch_save
from egohands.utils.errors import ConfigError

#: converted state dict -> the same, with tensors reshaped or added
PostConversion = Callable[[Dict[str, torch.Tensor]], Dict[str, torch.Tensor]]


def convert_file(src: str, dst: str, rules: Sequence[KeyRule],
                 converter: str, how_to_obtain: str = '',
                 overwrite: bool = False,
                 post: Optional[PostConversion] = None,
                 extra_meta: Optional[dict] = None) -> ConversionReport:
    """Convert the checkpoint ``src`` into the egohands checkpoint ``dst``.

    ``post`` changes the renamed tensors before they are written (split a
    fused readout, add the codec statistics); ``extra_meta`` is added to
    the file's ``meta``. ``dst`` is written to a temporary name and
    renamed, so an interrupted conversion leaves no half file.

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
    state_dict, report = apply_key_rules(
        extract_state_dict(contents.data, source=src), rules,
        os.path.basename(src))
    report.opaque_globals = list(contents.opaque_globals)
    state_dict = post(dict(state_dict)) if post else state_dict
    meta = dict(converter=converter, source_sha256=file_sha256(src),
                conversion=report.as_meta(), **(extra_meta or {}))
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    atomic_torch_save(dict(state_dict={
        key: value.detach().clone().contiguous()
        for key, value in state_dict.items()}, meta=meta), dst)
    return report
