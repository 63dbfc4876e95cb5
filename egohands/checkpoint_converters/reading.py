"""Reading other codebases' training checkpoints without running their code.

Released checkpoints are pickles. A PyTorch Lightning checkpoint (HaMeR,
WildHands) holds, besides its ``state_dict``, the training config as
objects of classes egohands does not have (yacs ``CfgNode``, OmegaConf
``DictConfig``, ...), which ``torch.load(weights_only=True)`` refuses.
Unpickling them normally would import those packages and could run any
code the file names.

:func:`read_foreign_checkpoint` tries ``weights_only=True`` first. If that
refuses the file, it unpickles again with :class:`InertUnpickler`: tensors,
storages, dtypes and plain containers are rebuilt as usual, and every other
class or function named by the file becomes an inert stand-in
(:class:`Opaque`) that records its arguments and state and runs nothing.
The tensors come out intact; the config objects come out as opaque husks
(names listed in ``CheckpointContents.opaque_globals``).
"""
import pickle
import types
from dataclasses import dataclass, field
from pathlib import Path
from collections import OrderedDict
from typing import Any, List, Mapping, Optional

import torch

from egohands.utils.errors import CheckpointError, MissingAssetError

#: (module, name) pairs rebuilt for real: torch's tensor rebuilding and
#: harmless containers
_REAL_GLOBALS = {
    ('collections', 'OrderedDict'),
    ('torch._utils', '_rebuild_tensor'),
    ('torch._utils', '_rebuild_tensor_v2'),
    ('torch._utils', '_rebuild_parameter'),
    ('torch._utils', '_rebuild_parameter_with_state'),
    ('torch.nn.parameter', 'Parameter'),
    ('torch', 'Size'),
    ('torch', 'device'),
    ('builtins', 'set'),
    ('builtins', 'frozenset'),
    ('builtins', 'slice'),
    ('builtins', 'complex'),
}


class Opaque(dict):
    """Inert stand-in for a class or function a checkpoint names.

    Calling it, instantiating it, filling it (``SETITEMS`` / ``APPENDS``)
    or setting its state only stores the data; nothing else happens.
    """

    qualified_name = '?'

    def __init__(self, *args, **kwargs) -> None:  # noqa: D401
        super().__init__()
        self.__dict__['pickled_args'] = args

    def __setstate__(self, state: Any) -> None:
        self.__dict__['pickled_state'] = state

    def append(self, item: Any) -> None:
        self.__dict__.setdefault('pickled_items', []).append(item)

    def extend(self, items: Any) -> None:
        self.__dict__.setdefault('pickled_items', []).extend(items)

    def __repr__(self) -> str:
        return f'<opaque {self.qualified_name}>'


class InertUnpickler(pickle.Unpickler):
    """Unpickler that rebuilds tensors and replaces everything else by
    :class:`Opaque` subclasses, whose names it appends to ``record``."""

    record: List[str]

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _REAL_GLOBALS or (
                module == 'torch'
                and isinstance(getattr(torch, name, None), torch.dtype)):
            return super().find_class(module, name)
        qualified = f'{module}.{name}'
        if qualified not in self.record:
            self.record.append(qualified)
        return type(name, (Opaque, ), {'qualified_name': qualified})


def inert_pickle_module(record: List[str]) -> types.SimpleNamespace:
    """What ``torch.load(pickle_module=...)`` needs (``Unpickler``,
    ``load``), unpickling inertly and recording the replaced names."""
    unpickler = type('RecordingInertUnpickler', (InertUnpickler, ),
                     {'record': record})
    return types.SimpleNamespace(
        __name__='egohands_inert_pickle', Unpickler=unpickler,
        load=lambda file, **kwargs: unpickler(file, **kwargs).load())


@dataclass
class CheckpointContents:
    """A read checkpoint: the unpickled object and how it was read."""

    path: str
    data: Any
    #: classes / functions replaced by inert stand-ins (empty if the file
    #: loaded with ``weights_only=True``)
    opaque_globals: List[str] = field(default_factory=list)


def read_foreign_checkpoint(path: str, how_to_obtain: str = ''
                            ) -> CheckpointContents:
    """Unpickle a released checkpoint safely (module docstring).

    Args:
        path: the checkpoint file.
        how_to_obtain: appended to the missing-file message.

    Raises:
        MissingAssetError: no such file.
        CheckpointError: the file is not a torch checkpoint.
    """
    if not Path(path).is_file():
        raise MissingAssetError(f'checkpoint {path} does not exist'
                                + (f'; {how_to_obtain}' if how_to_obtain
                                   else ''))
    from egohands.utils.checkpoint import install_safe_checkpoint_loading
    install_safe_checkpoint_loading()
    try:
        return CheckpointContents(
            path, torch.load(path, map_location='cpu', weights_only=True))
    except pickle.UnpicklingError:
        pass  # config objects in the file: read it again, inertly
    except (RuntimeError, EOFError, OSError) as err:
        raise _not_a_checkpoint(path, err) from None
    replaced: List[str] = []
    try:
        data = torch.load(path, map_location='cpu', weights_only=False,
                          pickle_module=inert_pickle_module(replaced))
    except (RuntimeError, EOFError, OSError, pickle.UnpicklingError,
            TypeError, AttributeError) as err:
        raise _not_a_checkpoint(path, err) from None
    return CheckpointContents(path, data, replaced)


def _not_a_checkpoint(path: str, err: Exception) -> CheckpointError:
    first = str(err).strip().splitlines()[0] if str(err).strip() else ''
    return CheckpointError(f'cannot read {path} as a torch checkpoint '
                           f'({type(err).__name__}: {first})')


def extract_state_dict(checkpoint: Any, prefix: Optional[str] = None,
                       source: str = 'checkpoint'
                       ) -> 'OrderedDict[str, torch.Tensor]':
    """The tensors of a checkpoint's state dict (or of a bare state dict).

    Unwraps a ``state_dict`` / ``model`` container, strips the ``module.``
    prefix of data-parallel training and, if ``prefix`` is given and some
    key starts with it, keeps only those keys with the prefix removed (a
    full ViTPose checkpoint also holds its keypoint head).

    Raises:
        CheckpointError: no tensors found.
    """
    data = checkpoint
    for container in ('state_dict', 'model'):
        if isinstance(data, Mapping) and isinstance(data.get(container),
                                                    Mapping):
            data = data[container]
            break
    tensors = OrderedDict(
        (key[len('module.'):] if key.startswith('module.') else key, value)
        for key, value in (data.items() if isinstance(data, Mapping) else ())
        if isinstance(key, str) and isinstance(value, torch.Tensor))
    if prefix and any(key.startswith(prefix) for key in tensors):
        tensors = OrderedDict((key[len(prefix):], value)
                              for key, value in tensors.items()
                              if key.startswith(prefix))
    if not tensors:
        top = list(checkpoint)[:8] if isinstance(checkpoint, Mapping) else []
        raise CheckpointError(
            f'{source} holds no state dict of tensors (top-level keys: '
            f'{top}); is it the right file?')
    return tensors
