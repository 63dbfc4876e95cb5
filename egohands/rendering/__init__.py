"""egohands.rendering: rasterise hand meshes under a pinhole camera.

* :mod:`.projection` camera-frame points -> pixels (numpy and torch),
* :mod:`.face_windows` per-triangle candidate pixels in bulk, narrowed to
  per-row spans by :mod:`.row_spans`,
* :mod:`.rasterizer` z-buffer rasterisation, :mod:`.shading` Lambertian
  shading, :mod:`.renderer` multi-mesh scenes with instance ids,
* :mod:`.visibility` per-joint COCO visibility flags,
* :mod:`.soft_silhouette` differentiable SoftRas-style silhouettes (mask
  losses).
"""
from .face_windows import FaceWindows, face_windows, window_pixels
from .projection import pixel_rays, project_to_pixels
from .rasterizer import Fragments, edge_functions, rasterize
from .renderer import Mesh, RenderResult, concatenate_meshes, render_meshes
from .shading import face_normals, shade_lambertian, vertex_normals
from .soft_silhouette import sigma_from_ndc, soft_silhouette
from .visibility import (OCCLUDED, OUTSIDE, VISIBLE, inside_image,
                         joint_visibility)

__all__ = [
    'FaceWindows', 'face_windows', 'window_pixels', 'pixel_rays',
    'project_to_pixels', 'Fragments', 'rasterize', 'edge_functions', 'Mesh',
    'RenderResult', 'concatenate_meshes', 'render_meshes', 'face_normals', 'shade_lambertian', 'vertex_normals',
    'OCCLUDED', 'OUTSIDE', 'VISIBLE', 'inside_image', 'joint_visibility',
    'sigma_from_ndc', 'soft_silhouette'
]
