"""The egohands synthetic hand: a procedural hand in MANO's file format.

NOT the MANO model: a stand-in with MANO's keys, shapes, kinematic tree and
fingertip vertex ids, so that everything built on MANO runs without the
licence-gated files. ``dimensions`` (numbers and shape directions) ->
``skeleton`` (joints, bone frames) -> ``mesh`` (surface) -> ``skinning``
(weights, joint regressor, pose correctives) -> ``writer`` (MANO pickles).
"""
from .writer import build_right_hand, mirror_to_left, write_synthetic_model

__all__ = ['build_right_hand', 'mirror_to_left', 'write_synthetic_model']
