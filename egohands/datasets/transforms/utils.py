"""Small helpers shared by the transforms."""
from egohands.utils.errors import ConfigError


def check_probability(owner: str, name: str, value: float) -> float:
    """``value`` as a float, or :class:`ConfigError` if not in [0, 1]."""
    if not 0.0 <= float(value) <= 1.0:
        raise ConfigError(f'{owner}: {name} must be in [0, 1], got {value}')
    return float(value)
