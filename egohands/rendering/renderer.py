"""Render several meshes (hands, occluders) into one image with instance ids.

The meshes are concatenated, rasterised once with a shared z-buffer and
shaded; each pixel also gets the index of the mesh it shows, so the mask of
every hand and every occluder (what is *visible* of it) comes out of the
same pass.
"""
from dataclasses import dataclass
from typing import List, NamedTuple, Sequence

import numpy as np

from .rasterizer import rasterize
from .shading import shade_lambertian


@dataclass
class Mesh:
    """One mesh of a scene.

    ``vertices`` (V, 3) camera frame (OpenCV axes; EgoSynth uses metres),
    ``faces`` (F, 3) int, ``colors`` (V, C) albedo in [0, 1].
    """
    vertices: np.ndarray
    faces: np.ndarray
    colors: np.ndarray


class RenderResult(NamedTuple):
    """Output of :func:`render_meshes` for an ``H x W`` image.

    ``image`` (H, W, C) float32 in [0, 1], channel order of the colours.
    ``depth`` (H, W) float32, unit of the vertices, ``inf`` on background.
    ``face_id`` (H, W) int32 into the concatenated faces, -1 on background.
    ``instance_id`` (H, W) int32 index of the visible mesh, -1 on background.
    """
    image: np.ndarray
    depth: np.ndarray
    face_id: np.ndarray
    instance_id: np.ndarray

    def mask(self, instance: int) -> np.ndarray:
        """(H, W) bool, where mesh ``instance`` is the visible surface."""
        return self.instance_id == instance


def concatenate_meshes(meshes: Sequence[Mesh]):
    """Stack meshes into one vertex / face / colour array.

    Returns:
        (vertices (V, 3), faces (F, 3), colors (V, C), face_instance (F,)
        int32 index of the mesh of each face).
    """
    vertices: List[np.ndarray] = []
    faces: List[np.ndarray] = []
    colors: List[np.ndarray] = []
    owners: List[np.ndarray] = []
    offset = 0
    for index, mesh in enumerate(meshes):
        vertices.append(np.asarray(mesh.vertices, dtype=np.float64))
        faces.append(np.asarray(mesh.faces, dtype=np.int64) + offset)
        colors.append(np.asarray(mesh.colors, dtype=np.float64))
        owners.append(np.full(len(mesh.faces), index, dtype=np.int32))
        offset += len(mesh.vertices)
    return (np.concatenate(vertices), np.concatenate(faces),
            np.concatenate(colors), np.concatenate(owners))


def render_meshes(meshes: Sequence[Mesh], K: np.ndarray, height: int,
                  width: int, light_dir=(0.0, -0.5, -1.0),
                  ambient: float = 0.4, diffuse: float = 0.6,
                  background: np.ndarray = None,
                  near: float = 1e-3) -> RenderResult:
    """Rasterise and shade ``meshes`` seen by the pinhole camera ``K``.

    Args:
        meshes: the scene; the mesh index is its instance id.
        K: (3, 3) intrinsics, pixel centres at integer coordinates.
        height, width: image size, px.
        light_dir: (3,) direction towards a distant light, camera frame.
        ambient, diffuse: Lambertian weights (see :mod:`.shading`).
        background: optional (H, W, C) float image in [0, 1].
        near: near-plane depth, unit of the vertices.

    Returns:
        :class:`RenderResult`.
    """
    vertices, faces, colors, face_instance = concatenate_meshes(meshes)
    fragments = rasterize(vertices, faces, K, height, width, near=near)
    image = shade_lambertian(fragments, vertices, faces, colors, K,
                             np.asarray(light_dir), ambient=ambient,
                             diffuse=diffuse, background=background)
    instance_id = np.where(fragments.covered,
                           face_instance[np.maximum(fragments.face_id, 0)],
                           -1).astype(np.int32)
    return RenderResult(image, fragments.depth, fragments.face_id,
                        instance_id)
