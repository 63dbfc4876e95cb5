"""egohands.geometry: cameras, crops, rotations, Procrustes, flips, joints.

**numpy or torch, one scheme.** Every public function takes numpy arrays or
torch tensors and returns the type it was given; there are no ``_np`` /
``_torch`` variants. When inputs are mixed, torch wins (numpy inputs are
moved to the tensor's dtype and device). Integer inputs are promoted to
float; float32 stays float32. Torch paths are differentiable.

**Batching.** Functions work on trailing dimensions (points ``(..., N, 3)``,
matrices ``(..., 3, 3)``, boxes ``(..., 4)``) and broadcast over any leading
dimensions.

**Conventions** (``docs/architecture.md`` section 2): OpenCV camera axes,
``u ~ K X``, pixel centres at integer coordinates, rotations act on column
vectors and axis-angle is in radians (image rotation angles of crops are in
degrees, as in mmpose), quaternions are ``(w, x, y, z)``, and 6D rotations
have one set of names per layout (``rot6d_columns_*`` = HaMeR,
``rot6d_rows_*`` = pytorch3d / WildHands).

==================  ======================================================
``camera``          intrinsics, projection, back-projection, crop cameras
``camera_models``   the hand_tracking_toolkit's pinhole / fisheye cameras
``affine``          box -> crop affine, applying and inverting 2D affines
``rotation``        axis-angle, matrix, quaternion, 6D (both layouts)
``look_at``         the rotation of a camera turned to look along a ray
``procrustes``      weighted similarity Procrustes (no reflections)
``flip``            image flips as changes of camera frame
``joint_orders``    remaps between the canonical and other joint orders
==================  ======================================================
"""
from .affine import (affine_to_3x3, apply_affine_2d, bbox_to_center_size,
                     get_affine_matrix, invert_affine, resize_matrix)
from .camera import (backproject_points, crop_intrinsics, focal_from_fov,
                     intrinsics_from_focal, intrinsics_from_fov,
                     project_points, scale_intrinsics)
from .flip import (FLIP_DIRECTIONS, flip_axis_angle, flip_intrinsics,
                   flip_matrix_2d, flip_points_3d, swap_hand_side,
                   apparent_hand_side)
from .joint_orders import (ARCTIC_TO_CANONICAL,
                           ASSEMBLYHANDS_LEFT_TO_CANONICAL,
                           ASSEMBLYHANDS_RIGHT_TO_CANONICAL,
                           CANONICAL_TO_MANO, MANO_FINGERTIP_VERTEX_IDS,
                           MANO_TO_CANONICAL, UMETRACK_TO_CANONICAL,
                           from_canonical, to_canonical)
from .look_at import look_at_rotation
from .procrustes import (ProcrustesResult, SimilarityTransform,
                         apply_similarity, similarity_procrustes)
from .rotation import (axis_angle_to_matrix, axis_angle_to_quaternion,
                       matrix_to_axis_angle, matrix_to_quaternion,
                       matrix_to_rot6d_columns, matrix_to_rot6d_rows,
                       quaternion_to_axis_angle, quaternion_to_matrix,
                       rot6d_columns_to_matrix, rot6d_rows_to_matrix)

__all__ = [
    # camera
    'intrinsics_from_focal', 'intrinsics_from_fov', 'focal_from_fov',
    'project_points',
    'backproject_points', 'scale_intrinsics', 'crop_intrinsics',
    # affine
    'bbox_to_center_size', 'get_affine_matrix', 'apply_affine_2d',
    'invert_affine', 'affine_to_3x3', 'resize_matrix',
    # rotation
    'axis_angle_to_matrix', 'matrix_to_axis_angle', 'axis_angle_to_quaternion',
    'quaternion_to_axis_angle', 'quaternion_to_matrix', 'matrix_to_quaternion',
    'rot6d_columns_to_matrix', 'matrix_to_rot6d_columns',
    'rot6d_rows_to_matrix', 'matrix_to_rot6d_rows',
    # look-at
    'look_at_rotation',
    # procrustes
    'similarity_procrustes', 'apply_similarity', 'SimilarityTransform',
    'ProcrustesResult',
    # flip
    'FLIP_DIRECTIONS', 'flip_points_3d', 'flip_axis_angle', 'flip_matrix_2d',
    'flip_intrinsics', 'swap_hand_side', 'apparent_hand_side',
    # joint orders
    'MANO_TO_CANONICAL', 'CANONICAL_TO_MANO', 'ARCTIC_TO_CANONICAL',
    'ASSEMBLYHANDS_RIGHT_TO_CANONICAL', 'ASSEMBLYHANDS_LEFT_TO_CANONICAL',
    'UMETRACK_TO_CANONICAL', 'MANO_FINGERTIP_VERTEX_IDS', 'to_canonical',
    'from_canonical'
]
