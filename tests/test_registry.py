"""egohands/registry.py: every registry looks only where its components
are, codecs live in MODELS, and a miss says where it looked."""
import pytest

from egohands.codecs import BaseJointCodec
from egohands.registry import (ALL_REGISTRIES, MODELS, TASK_UTILS,
                               register_all_modules)
from egohands.utils.errors import RegistryMissError


def own_components(registry):
    return {name: obj for name, obj in registry.module_dict.items()
            if obj.__module__.startswith('egohands.')}


@pytest.mark.parametrize('name', sorted(ALL_REGISTRIES))
def test_every_location_holds_components_of_its_registry(name):
    """No empty package or unrelated module in ``locations``: each one
    registers something in the registry that imports it."""
    register_all_modules()
    registry = ALL_REGISTRIES[name]
    modules = {obj.__module__ for obj in own_components(registry).values()}
    for location in registry._locations:
        assert any(m == location or m.startswith(location + '.')
                   for m in modules), f'{name}: {location} registers nothing'


def test_codecs_are_models_built_by_their_heads():
    register_all_modules()
    codecs = [n for n, obj in own_components(MODELS).items()
              if isinstance(obj, type) and issubclass(obj, BaseJointCodec)]
    assert 'RootRelativeJointCodec' in codecs
    assert not own_components(TASK_UTILS)
    assert isinstance(MODELS.build(dict(type='RootRelativeJointCodec')),
                      BaseJointCodec)


def test_a_miss_names_the_registries_and_modules_searched():
    with pytest.raises(RegistryMissError) as err:
        MODELS.get('RootRelativeJointCodek')
    message = str(err.value)
    assert 'egohands::model -> mmengine::model' in message
    assert 'egohands.codecs' in message and 'egohands.models.heads' in message
    assert 'RootRelativeJointCodec' in message  # the closest name
