"""The hand model as EgoSynth uses it: batched posed meshes in numpy.

Wraps the MANO-format hand of ``egohands.hand_models`` (the synthetic hand
of ``tools/make_hand_model.py``, or the real MANO files if the user has
them) for both sides, and the pose prior's sampler. Hands are posed with
zero global rotation and translation; :mod:`.placement` turns and moves
them afterwards, which is what MANO's ``global_orient`` / ``transl`` do.
"""
from typing import Dict, Tuple

import numpy as np

from egohands.datasets.metainfo import HAND_SIDES
from egohands.hand_models.pose_prior import sample_hand_pose
from egohands.rendering import vertex_normals

from .placement import hand_frame


class HandMeshes:
    """Left and right hand models, posed in batches.

    Args:
        model_dir: folder with ``MANO_RIGHT.pkl`` and ``MANO_LEFT.pkl``.
    """

    def __init__(self, model_dir: str) -> None:
        from egohands.hand_models import build_hand_model
        import torch
        self._torch = torch
        self.model_dir = str(model_dir)
        self._models = {
            side: build_hand_model(dict(type='MANOHand',
                                        model_path=self.model_dir,
                                        side=side, flat_hand_mean=True))
            for side in HAND_SIDES}
        self._faces = {side: np.asarray(model.faces, dtype=np.int64)
                       for side, model in self._models.items()}
        self._rest = {side: self._rest_hand(side) for side in HAND_SIDES}

    def faces(self, side: str) -> np.ndarray:
        """(F, 3) int64 triangles of the ``side`` hand."""
        return self._faces[side]

    def rest(self, side: str) -> Dict[str, np.ndarray]:
        """The flat, mean-shape hand: ``vertices`` (V, 3) and ``joints``
        (21, 3) in metres, ``palm_side`` (V,) in [0, 1] (how much each
        vertex's normal faces out of the palm)."""
        return self._rest[side]

    def sample_pose(self, rng: np.random.Generator, count: int, style: str,
                    side: str) -> np.ndarray:
        """(count, 45) flat-hand-mean poses of one style within limits."""
        return sample_hand_pose(rng, count, style, side)

    def pose(self, side: str, hand_pose: np.ndarray,
             betas: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Posed hands with zero global rotation and translation.

        Args:
            hand_pose: (B, 45) axis-angle, flat-hand-mean.
            betas: (B, 10) shape coefficients.

        Returns:
            (vertices (B, V, 3), joints (B, 21, 3) canonical order), float64
            metres in the model's frame.
        """
        torch = self._torch
        count = len(hand_pose)
        with torch.no_grad():
            output = self._models[side](
                torch.as_tensor(hand_pose, dtype=torch.float32).reshape(
                    count, 45),
                betas=torch.as_tensor(betas, dtype=torch.float32))
        return (output.vertices_m.double().numpy(),
                output.joints_m.double().numpy())

    def _rest_hand(self, side: str) -> Dict[str, np.ndarray]:
        vertices, joints = self.pose(side, np.zeros((1, 45)),
                                     np.zeros((1, 10)))
        palm = hand_frame(joints[0], side)[:, 1]
        normals = vertex_normals(vertices[0], self._faces[side])
        palm_side = np.clip(normals @ palm, 0.0, 1.0)
        return dict(vertices=vertices[0], joints=joints[0],
                    palm_side=palm_side)
