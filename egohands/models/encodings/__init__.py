"""Crop encodings: tell a crop-based model where its crop sits in the view.

Every encoding is a :class:`CropEncoding` (the plug slot, see
:mod:`.crop_encoding`): KPE (WildHands), CamConv, Perspective Crop Layers and
perspective correction. :func:`crop_geometry_from_samples` gives their
``boxes`` / ``K`` / ``image_size`` arguments from a batch of data samples.
"""
from egohands.models.encodings.camconv import CamConvEncoding, camconv_maps
from egohands.models.encodings.crop_box import (CropGeometry,
                                                crop_box_from_metainfo,
                                                crop_geometry_from_samples)
from egohands.models.encodings.crop_encoding import CropEncoding
from egohands.models.encodings.kpe import (KeypointPositionalEncoding,
                                           dense_kpe, sinusoidal_encoding,
                                           sparse_kpe, view_angles)
from egohands.models.encodings.perspective_correction import (
    PerspectiveCorrection, perspective_correction_rotation)
from egohands.models.encodings.perspective_crop import (
    PerspectiveCropLayer, perspective_crop_homography,
    virtual_camera_rotation, warp_crop_to_virtual)

__all__ = [
    'CamConvEncoding', 'camconv_maps', 'CropGeometry',
    'crop_box_from_metainfo', 'crop_geometry_from_samples', 'CropEncoding',
    'KeypointPositionalEncoding', 'dense_kpe', 'sinusoidal_encoding',
    'sparse_kpe', 'view_angles', 'PerspectiveCorrection',
    'perspective_correction_rotation', 'PerspectiveCropLayer',
    'perspective_crop_homography', 'virtual_camera_rotation',
    'warp_crop_to_virtual'
]
