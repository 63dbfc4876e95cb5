"""check_choice: the one-line config error for a value outside its choices."""
import pytest

from egohands.utils.errors import ConfigError, check_choice


def test_a_listed_value_passes_from_any_iterable():
    check_choice('Owner', 'split', 'val', ('train', 'val'))
    check_choice('Owner', 'split', 'val', {'train': 1, 'val': 2})
    check_choice('Owner', 'split', 'val', (name for name in ['val']))


def test_an_unlisted_value_names_owner_field_choices_and_value():
    with pytest.raises(ConfigError) as error:
        check_choice('H2OHandDataset', 'split', 'Val', ('train', 'val'))
    assert str(error.value) == ("H2OHandDataset: split must be one of "
                                "['train', 'val'], got 'Val'")
    assert '\n' not in str(error.value)
