"""User-facing errors.

Every error a user can cause (a wrong config key, a missing dataset, a malformed
annotation, a missing MANO file or checkpoint) is raised as a subclass of
:class:`EgohandsError`. The tools catch this one family and print a single clear
line instead of a traceback, so the message must say *what* is wrong, *where*
(file, record, field) and *how to fix it*.

All classes take exactly one string argument so that code which re-raises
``type(err)(new_message)`` keeps working.
"""
from typing import Any, Iterable


class EgohandsError(Exception):
    """Base class of errors caused by the user's input or environment."""


class ConfigError(EgohandsError, ValueError):
    """A config names an unknown key, type or value."""


class RegistryMissError(EgohandsError, KeyError):
    """A config names a component type that no registry holds."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ''


class DatasetNotFoundError(EgohandsError, FileNotFoundError):
    """A dataset's annotation file or image folder does not exist."""


class AnnotationError(EgohandsError, ValueError):
    """An annotation record is malformed (names file, record id and field)."""


class MissingAssetError(EgohandsError, FileNotFoundError):
    """A licence-gated or downloadable asset (MANO, checkpoint) is missing."""


class DownloadError(EgohandsError, OSError):
    """A download failed or its hash did not match."""


class CheckpointError(EgohandsError, RuntimeError):
    """A checkpoint cannot be read or does not fit the model."""


class InputError(EgohandsError, ValueError):
    """An inference input (image, video, box, box file) is unusable."""


class TrainingDivergedError(EgohandsError, RuntimeError):
    """A loss or the weights became NaN / infinite; the run was stopped."""


class WorkDirBusyError(EgohandsError, RuntimeError):
    """Another run holds the work dir's lock."""


def check_choice(owner: str, name: str, value: Any,
                 choices: Iterable) -> None:
    """Raise one :class:`ConfigError` line, ``owner: name must be one of
    [...], got value``, unless ``value`` is one of ``choices``."""
    choices = list(choices)
    if value not in choices:
        raise ConfigError(f'{owner}: {name} must be one of {choices}, '
                          f'got {value!r}')
