"""Install egohands: ``pip install -e .`` (the Makefile does it for you)."""
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent


def read_requirements(name):
    lines = (HERE / 'requirements' / name).read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith('#')]


def read_version():
    for line in (HERE / 'egohands' / '__init__.py').read_text().splitlines():
        if line.startswith('__version__'):
            return line.split('=')[1].strip().strip("'\"")
    raise RuntimeError('egohands/__init__.py has no __version__')


setup(
    name='egohands',
    version=read_version(),
    description='Egocentric 3D hand pose estimation: methods as configs of '
    'registered components, on mmengine',
    long_description=(HERE / 'README.md').read_text(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.10',
    packages=find_packages(include=['egohands', 'egohands.*']),
    install_requires=read_requirements('runtime.txt'),
    extras_require=dict(
        coco=read_requirements('coco.txt'),
        tests=read_requirements('tests.txt'),
        onnx=read_requirements('onnx.txt'),
    ),
    classifiers=[
        'Programming Language :: Python :: 3',
        'License :: OSI Approved :: Apache Software License',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
)
