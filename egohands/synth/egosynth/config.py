"""Every knob of the EgoSynth generator in one frozen dataclass.

The defaults are the documented dataset (``docs/egosynth.md``); the command
line of ``tools/make_egosynth.py`` sets the size, sequence length and views.
A config is hashable and picklable, so worker processes receive it as is.
"""
from dataclasses import dataclass, field
from typing import Tuple

from .appearance import AppearanceSampling
from .cameras import CameraSampling
from .forearms import ForearmSampling
from .placement import PlacementSampling
from .rigs import RigSampling
from .sequences import MotionSampling

#: sampled pose styles; the index is the ``grasp`` class of the annotation
POSE_STYLES: Tuple[str, ...] = ('open', 'relaxed', 'grasp')


@dataclass(frozen=True)
class EgoSynthConfig:
    """What EgoSynth renders.

    ``width``, ``height``: image size, px. ``seq_len``: frames per sequence
    (1: independent images). ``views``: cameras of the headset rig.
    ``two_hands_prob``: chance of a left and a right hand (else one of
    either side). ``style_probs``: chances of the ``POSE_STYLES``.
    ``occluder_prob`` / ``clutter_prob``: objects in front of / behind the
    hands; ``held_object_prob``: chance that a hand in a grasp pose holds an
    object (single images only). ``background_margin``: canvas margin (fraction of the size) that
    lets the background shift with the head in sequences.
    ``joint_tolerance_m``: (wrist, thumb1, finger bases, other joints) how
    far in front of a joint its own skin may be for it to count as visible
    (the synthetic hand's joints lie 6-12 mm under the skin, the wrist
    about 15 mm and thumb1 up to 23 mm; a finger lying over another puts
    20 mm or more in front). ``visibility_search_px``: pixels around a
    joint's pixel also searched for its skin (fingertips on the outline).
    """
    width: int = 512
    height: int = 512
    seq_len: int = 1
    views: int = 1
    two_hands_prob: float = 0.5
    style_probs: Tuple[float, float, float] = (0.3, 0.35, 0.35)
    occluder_prob: float = 0.25
    held_object_prob: float = 0.6
    clutter_prob: float = 0.3
    background_margin: float = 0.15
    background_kinds: Tuple[str, ...] = ()
    joint_tolerance_m: Tuple[float, float, float, float] = (0.025, 0.03,
                                                            0.018, 0.015)
    visibility_search_px: int = 1
    placement_attempts: int = 16
    placement_candidates: int = 8
    camera: CameraSampling = field(default_factory=CameraSampling)
    placement: PlacementSampling = field(default_factory=PlacementSampling)
    motion: MotionSampling = field(default_factory=MotionSampling)
    rig: RigSampling = field(default_factory=RigSampling)
    appearance: AppearanceSampling = field(
        default_factory=AppearanceSampling)
    forearm: ForearmSampling = field(default_factory=ForearmSampling)

    @property
    def images_per_sequence(self) -> int:
        """Images rendered per sequence: frames x views."""
        return self.seq_len * self.views
