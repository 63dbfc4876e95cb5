"""Converters of released checkpoints of other codebases (model_zoo.md).

One module per source, each exposing ``NAME``, ``DESCRIPTION``,
``add_arguments(parser)`` and ``run(args) -> ConversionReport``;
``tools/convert_checkpoint.py NAME SRC DST`` dispatches to it. A converter
is an explicit key table (``key_rules``) applied to a safely read source
(``reading``) and written as a weights-only-loadable egohands checkpoint
(``writing``). Add a source by writing its module and listing it in
:data:`CONVERTERS`.
"""
import importlib
from types import ModuleType
from typing import Dict

#: converter name -> module
CONVERTERS: Dict[str, str] = {
    'hamer': 'egohands.checkpoint_converters.hamer',
    'pcie': 'egohands.checkpoint_converters.pcie',
    'potter': 'egohands.checkpoint_converters.potter',
    'wildhands': 'egohands.checkpoint_converters.wildhands',
}


def get_converter(name: str) -> ModuleType:
    """The module of the converter ``name`` (a key of :data:`CONVERTERS`)."""
    return importlib.import_module(CONVERTERS[name])
