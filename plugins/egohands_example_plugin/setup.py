"""An example egohands plugin: a dataset format and a metric of its own.

Installing it (``pip install -e plugins/egohands_example_plugin``) is all a
user does: egohands finds it through the ``egohands.plugins`` entry point
and imports it before its first registry lookup.
"""
from setuptools import find_packages, setup

setup(
    name='egohands-example-plugin',
    version='0.1.0',
    description='Example egohands plugin: a JSON-lines hand dataset and a '
    'fingertip-error metric',
    license='Apache-2.0',
    python_requires='>=3.10',
    packages=find_packages(include=['egohands_example_plugin',
                                    'egohands_example_plugin.*']),
    install_requires=['egohands'],
    # name = module to import; importing it registers the components
    entry_points={'egohands.plugins': ['example = egohands_example_plugin']},
)
