"""Dimensions of the synthetic hand and its ten shape directions.

Everything the synthetic hand is built from is a number in this module:
bone lengths, skin widths, palm breadth and thickness, thumb placement. They
describe an average adult right hand (hand length, wrist joint to middle
fingertip, about 18.3 cm; breadth across the knuckles about 8.6 cm) in
metres, in the template frame described in ``docs/hand_models.md``:

* ``+x`` points from the fingers to the wrist (fingers point along ``-x``),
* ``+y`` is the back of the hand (the palm faces ``-y``),
* ``+z`` is the thumb (radial) side,

the frame of MANO's right-hand template. Positions are written in *palm
coordinates* relative to the wrist joint: ``along`` (distal, ``-x``),
``across`` (radial, ``+z``) and ``up`` (dorsal, ``+y``).

A shape direction is a named change of these numbers by one standard
deviation; the model's ``shapedirs`` are the mesh's response to each of them
(:data:`SHAPE_DIRECTIONS`).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, replace
from typing import Callable, Dict, Tuple

#: where MANO puts the wrist joint of its right template (about the mesh's
#: middle at the origin); the synthetic template does the same.
WRIST_POSITION = (0.095, 0.006, 0.006)


@dataclass(frozen=True)
class FingerDims:
    """One long finger (index to pinky).

    ``mcp`` is the metacarpophalangeal joint in palm coordinates (along,
    across, up), m. ``splay_deg`` turns the finger in the palm plane, positive
    towards the thumb. ``lengths`` are joint-centre distances MCP->PIP,
    PIP->DIP and DIP->skin tip, m. ``widths`` are skin breadths at the MCP,
    PIP, DIP and at the pad of the distal phalanx, m; ``depth_ratio`` is
    thickness / breadth of the cross-sections.
    """

    mcp: Tuple[float, float, float]
    splay_deg: float
    lengths: Tuple[float, float, float]
    widths: Tuple[float, float, float, float]
    depth_ratio: float = 0.88


@dataclass(frozen=True)
class ThumbDims:
    """The thumb: CMC joint, three segments and the rotation of its nail.

    ``cmc`` in palm coordinates, m. ``lengths``: CMC->MCP, MCP->IP, IP->skin
    tip, m. Each segment's direction leaves the finger axis by
    ``abduction_deg`` towards the radial side and by ``palmar_deg`` towards
    the palm. ``nail_roll_deg`` turns the nail from facing dorsally towards
    facing radially, as a resting thumb's pad faces the index finger.
    ``widths``: skin breadth at the thenar (first ring), the MCP, the IP and
    the pad, m.
    """

    cmc: Tuple[float, float, float]
    lengths: Tuple[float, float, float]
    abduction_deg: Tuple[float, float, float]
    palmar_deg: Tuple[float, float, float]
    nail_roll_deg: float
    widths: Tuple[float, float, float, float]
    depth_ratio: float = 0.84


@dataclass(frozen=True)
class PalmDims:
    """Palm: breadth and thickness at the wrist cut and at the knuckles, m.

    ``wrist_cut`` is how far the mesh reaches behind the wrist joint, and
    ``wrist_ring`` where the next ring of the palm lies past it.
    ``dorsal``/``palmar`` are heights of the skin above/below the plane of
    the joints; ``pad`` is the extra palmar bulge of the thenar and
    hypothenar pads in the proximal palm.
    """

    wrist_cut: float = 0.014
    wrist_ring: float = 0.004
    wrist_half_breadth: float = 0.029
    wrist_dorsal: float = 0.016
    wrist_palmar: float = 0.017
    knuckle_margin: float = 0.003
    knuckle_dorsal: float = 0.0115
    knuckle_palmar: float = 0.0160
    pad: float = 0.005
    knuckle_setback: float = 0.009
    finger_base_offset: float = 0.006


def _default_fingers() -> Dict[str, FingerDims]:
    return {
        'index': FingerDims(mcp=(0.0855, 0.0225, 0.0), splay_deg=5.0,
                            lengths=(0.0400, 0.0230, 0.0205),
                            widths=(0.0200, 0.0190, 0.0168, 0.0152)),
        'middle': FingerDims(mcp=(0.0890, 0.0005, 0.0), splay_deg=-1.0,
                             lengths=(0.0445, 0.0280, 0.0215),
                             widths=(0.0205, 0.0195, 0.0172, 0.0156)),
        'ring': FingerDims(mcp=(0.0850, -0.0205, -0.0005), splay_deg=-7.0,
                           lengths=(0.0415, 0.0265, 0.0210),
                           widths=(0.0190, 0.0181, 0.0162, 0.0146)),
        'pinky': FingerDims(mcp=(0.0760, -0.0390, -0.0015), splay_deg=-14.0,
                            lengths=(0.0330, 0.0185, 0.0195),
                            widths=(0.0170, 0.0161, 0.0145, 0.0133)),
    }


def _default_thumb() -> ThumbDims:
    return ThumbDims(cmc=(0.0270, 0.0230, -0.0120),
                     lengths=(0.0440, 0.0315, 0.0255),
                     abduction_deg=(42.0, 30.0, 22.0),
                     palmar_deg=(14.0, 10.0, 6.0), nail_roll_deg=62.0,
                     widths=(0.0320, 0.0242, 0.0222, 0.0205))


@dataclass(frozen=True)
class HandDims:
    """All dimensions of the synthetic right hand; ``scale`` scales them all
    about the wrist joint."""

    fingers: Dict[str, FingerDims] = field(default_factory=_default_fingers)
    thumb: ThumbDims = field(default_factory=_default_thumb)
    palm: PalmDims = field(default_factory=PalmDims)
    scale: float = 1.0


#: the long fingers in MANO's joint order (index, middle, pinky, ring are
#: MANO joints 1-3, 4-6, 7-9, 10-12) are listed here palm-wise, radial to
#: ulnar, which is how the mesh lays them out.
LONG_FINGERS = ('index', 'middle', 'ring', 'pinky')


# ----------------------------------------------------------------- shapes
def _scale_tuple(values, factor):
    return tuple(v * factor for v in values)


def _map_fingers(dims: HandDims, fn) -> HandDims:
    return replace(dims, fingers={n: fn(n, f)
                                  for n, f in dims.fingers.items()})


def _size(dims: HandDims, s: float) -> HandDims:
    return replace(dims, scale=dims.scale * (1 + 0.06 * s))


def _finger_length(dims: HandDims, s: float) -> HandDims:
    hand = _map_fingers(dims, lambda n, f: replace(
        f, lengths=_scale_tuple(f.lengths, 1 + 0.05 * s)))
    return replace(hand, thumb=replace(
        hand.thumb, lengths=_scale_tuple(hand.thumb.lengths, 1 + 0.03 * s)))


def _palm_breadth(dims: HandDims, s: float) -> HandDims:
    k = 1 + 0.06 * s
    hand = _map_fingers(dims, lambda n, f: replace(
        f, mcp=(f.mcp[0], f.mcp[1] * k, f.mcp[2])))
    thumb = hand.thumb
    return replace(hand, palm=replace(
        hand.palm, wrist_half_breadth=hand.palm.wrist_half_breadth * k),
        thumb=replace(thumb, cmc=(thumb.cmc[0], thumb.cmc[1] * k,
                                  thumb.cmc[2])))


def _thickness(dims: HandDims, s: float) -> HandDims:
    k = 1 + 0.08 * s
    p = dims.palm
    palm = replace(p, wrist_dorsal=p.wrist_dorsal * k,
                   wrist_palmar=p.wrist_palmar * k,
                   knuckle_dorsal=p.knuckle_dorsal * k,
                   knuckle_palmar=p.knuckle_palmar * k, pad=p.pad * k)
    hand = _map_fingers(dims, lambda n, f: replace(
        f, depth_ratio=f.depth_ratio * (1 + 0.05 * s)))
    thumb = hand.thumb  # the CMC stays at the same depth fraction of the palm
    return replace(hand, palm=palm, thumb=replace(
        thumb, depth_ratio=thumb.depth_ratio * (1 + 0.05 * s),
        cmc=(thumb.cmc[0], thumb.cmc[1], thumb.cmc[2] * k)))


def _palm_length(dims: HandDims, s: float) -> HandDims:
    k = 1 + 0.05 * s
    hand = _map_fingers(dims, lambda n, f: replace(
        f, mcp=(f.mcp[0] * k, f.mcp[1], f.mcp[2])))
    thumb = hand.thumb
    return replace(hand, thumb=replace(
        thumb, cmc=(thumb.cmc[0] * k, thumb.cmc[1], thumb.cmc[2])))


def _finger_girth(dims: HandDims, s: float) -> HandDims:
    k = 1 + 0.07 * s
    hand = _map_fingers(dims, lambda n, f: replace(
        f, widths=_scale_tuple(f.widths, k)))
    return replace(hand, thumb=replace(
        hand.thumb, widths=_scale_tuple(hand.thumb.widths, k)))


def _thumb_length(dims: HandDims, s: float) -> HandDims:
    return replace(dims, thumb=replace(
        dims.thumb, lengths=_scale_tuple(dims.thumb.lengths, 1 + 0.06 * s)))


def _digit_ratio(dims: HandDims, s: float) -> HandDims:
    factors = {'index': 1 + 0.035 * s, 'ring': 1 - 0.035 * s}
    return _map_fingers(dims, lambda n, f: replace(
        f, lengths=_scale_tuple(f.lengths, factors.get(n, 1.0))))


def _pinky_length(dims: HandDims, s: float) -> HandDims:
    return _map_fingers(dims, lambda n, f: replace(
        f, lengths=_scale_tuple(f.lengths, 1 + 0.07 * s))
        if n == 'pinky' else f)


def _finger_taper(dims: HandDims, s: float) -> HandDims:
    profile = (1 - 0.05 * s, 1.0, 1 + 0.05 * s, 1 + 0.10 * s)
    return _map_fingers(dims, lambda n, f: replace(
        f, widths=tuple(w * p for w, p in zip(f.widths, profile))))


#: shape direction k of the synthetic model (``betas[k]``), one standard
#: deviation each: a function ``(dims, amount) -> dims``.
SHAPE_DIRECTIONS: Tuple[Tuple[str, Callable[[HandDims, float], HandDims]],
                        ...] = (
    ('size: whole hand +6%', _size),
    ('finger length: +5% (thumb +3%)', _finger_length),
    ('palm breadth: +6% (knuckles and wrist)', _palm_breadth),
    ('thickness: palm +8%, fingers +5% deeper', _thickness),
    ('palm length: metacarpals +5%', _palm_length),
    ('finger girth: all digits 7% wider', _finger_girth),
    ('thumb length: +6%', _thumb_length),
    ('digit ratio: index +3.5%, ring -3.5%', _digit_ratio),
    ('pinky length: +7%', _pinky_length),
    ('finger taper: tips wider, bases narrower', _finger_taper),
)

NUM_BETAS = len(SHAPE_DIRECTIONS)  # 10


def apply_shape(dims: HandDims, index: int, amount: float) -> HandDims:
    """Move ``dims`` by ``amount`` standard deviations along direction
    ``index`` of :data:`SHAPE_DIRECTIONS`."""
    return SHAPE_DIRECTIONS[index][1](dims, amount)


def as_dict(dims: HandDims) -> dict:
    """Plain nested dict of ``dims`` (for the model file's metadata)."""
    return dataclasses.asdict(dims)
