"""egohands: egocentric 3D hand pose estimation on mmengine.

The package layout follows the pipeline::

    datasets (+ transforms) -> models -> postprocess -> evaluation

with ``geometry``, ``hand_models`` and ``rendering`` as shared utilities.
Components are found by name through ``egohands.registry``; importing
``egohands`` itself is cheap and needs no optional dependency.
"""
__version__ = '0.1.0'
