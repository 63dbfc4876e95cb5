"""Lambertian shading of rasterised meshes with per-vertex colours.

``colour = albedo * (ambient + diffuse * max(0, n . l))`` per pixel, with
``albedo`` the perspective-correct interpolation of the vertex colours,
``n`` the interpolated (smooth) vertex normal turned towards the camera
(two-sided lighting, so open meshes such as MANO's wrist look right from
inside too) and ``l`` the unit direction from the surface to a distant light,
camera frame.
"""
import numpy as np

from .projection import pixel_rays
from .rasterizer import Fragments


def face_normals(vertices: np.ndarray, faces: np.ndarray,
                 normalize: bool = True) -> np.ndarray:
    """(F, 3) normals ``(b - a) x (c - a)`` of triangles (a, b, c).

    Unnormalised they are twice the face area, the weights that
    :func:`vertex_normals` uses.
    """
    corners = vertices[faces]
    normals = np.cross(corners[:, 1] - corners[:, 0],
                       corners[:, 2] - corners[:, 0])
    if normalize:
        normals = normals / np.maximum(
            np.linalg.norm(normals, axis=1, keepdims=True), 1e-20)
    return normals


def vertex_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """(V, 3) unit vertex normals: area-weighted mean of adjacent faces."""
    weighted = face_normals(vertices, faces, normalize=False)
    corner_vertex = faces.ravel()  # each face's normal goes to its 3 corners
    normals = np.stack([
        np.bincount(corner_vertex, weights=np.repeat(weighted[:, axis], 3),
                    minlength=len(vertices)) for axis in range(3)], axis=1)
    return normals / np.maximum(
        np.linalg.norm(normals, axis=1, keepdims=True), 1e-20)


def shade_lambertian(fragments: Fragments, vertices: np.ndarray,
                     faces: np.ndarray, vertex_colors: np.ndarray,
                     K: np.ndarray, light_dir: np.ndarray,
                     ambient: float = 0.4, diffuse: float = 0.6,
                     background: np.ndarray = None) -> np.ndarray:
    """Shade the covered pixels of ``fragments``.

    Args:
        fragments: output of :func:`~egohands.rendering.rasterize` for
            ``vertices`` / ``faces``.
        vertices: (V, 3) camera-frame vertices (same unit as rasterised).
        faces: (F, 3) int.
        vertex_colors: (V, C) albedo per vertex, in [0, 1] (any channel
            order; the image keeps it).
        K: (3, 3) intrinsics used for rasterising.
        light_dir: (3,) direction from the surface towards the light,
            camera frame (normalised here).
        ambient, diffuse: weights of the two lighting terms.
        background: optional (H, W, C) float image behind the meshes
            (default black).

    Returns:
        (H, W, C) float32 image, values clipped to [0, 1].
    """
    width = fragments.face_id.shape[1]
    colors = np.asarray(vertex_colors, dtype=np.float64)
    channels = colors.shape[1]
    image = (np.zeros(fragments.face_id.shape + (channels, ),
                      dtype=np.float32)
             if background is None else
             np.array(background, dtype=np.float32, order='C', copy=True))
    pixel = np.flatnonzero(fragments.face_id.ravel() >= 0)
    if len(pixel) == 0:
        return image
    face = fragments.face_id.ravel()[pixel]
    bary = fragments.bary.reshape(-1, 3)[pixel].astype(np.float64).T
    corners = np.take(faces, face, axis=0).T
    # channel-major (attribute, pixel) arrays: every operation below runs
    # over one long contiguous axis (a short trailing axis of 3 would make
    # numpy loop per pixel); albedo and normal share one gather per corner
    attributes = np.concatenate([colors, vertex_normals(vertices, faces)],
                                axis=1).T
    mixed = np.take(attributes, corners[0], axis=1) * bary[0]
    mixed += np.take(attributes, corners[1], axis=1) * bary[1]
    mixed += np.take(attributes, corners[2], axis=1) * bary[2]
    albedo, (nx, ny, nz) = mixed[:channels], mixed[channels:]
    length = np.maximum(np.sqrt(nx * nx + ny * ny + nz * nz), 1e-20)
    nx, ny, nz = nx / length, ny / length, nz / length
    py, px = np.divmod(pixel, width)
    rx, ry, rz = pixel_rays(px, py, K).T
    # two-sided: a normal turned away from the camera is flipped
    flip = np.where(nx * rx + ny * ry + nz * rz > 0, -1.0, 1.0)
    light = np.asarray(light_dir, dtype=np.float64)
    lx, ly, lz = light / np.linalg.norm(light)
    lambert = np.clip((nx * lx + ny * ly + nz * lz) * flip, 0.0, None)
    shade = ambient + diffuse * lambert
    flat = image.reshape(-1)
    for channel in range(channels):
        flat[pixel * channels + channel] = np.clip(albedo[channel] * shade,
                                                   0.0, 1.0)
    return image
