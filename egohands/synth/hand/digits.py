"""Cross-sections of the digit tubes of the synthetic hand.

A digit (long finger or thumb) is described by *stations*: positions along
it in phalanx units (0 at the first joint, 1 and 2 at the next joints, 3 at
the skin tip). At each station the tube is an ellipse around the bone,
``breadth`` wide and ``depth_ratio * breadth`` deep, whose vertices start on
the radial side, run over the back of the digit and return along its palmar
side. The tip is a rounded cap whose pole is the fingertip vertex.
"""
from __future__ import annotations

from typing import Dict, List, Tuple

import numpy as np

from .skeleton import Chain

FINGER_HALF_RING = 5  # vertices on each of the dorsal and palmar arcs
FINGER_RING = 2 * FINGER_HALF_RING
THUMB_RING = 12

#: digit stations in phalanx units: 0 first joint (MCP / thumb CMC),
#: 1 and 2 the next joints, 3 the skin tip (the pole is added separately)
FINGER_STATIONS: Dict[str, Tuple[float, ...]] = {
    'index': (0.45, 1.0, 1.5, 2.0, 2.45, 2.75, 2.93),
    'middle': (0.45, 1.0, 1.5, 2.0, 2.45, 2.75, 2.93),
    'ring': (0.5, 1.0, 1.5, 2.0, 2.6, 2.88),
    'pinky': (0.5, 1.0, 1.5, 2.0, 2.6, 2.88),
}
THUMB_STATIONS = (0.4, 0.72, 1.0, 1.5, 2.0, 2.5, 2.85)
#: how far each thumb ring has left the palm (0: hole outline, 1: tube)
THUMB_LOFT = (0.55, 0.85, 1.0, 1.0, 1.0, 1.0, 1.0)


def station_length(chain: Chain, x: float) -> float:
    """Arc length from the first joint at phalanx coordinate ``x``."""
    cum = np.concatenate([[0.0], np.cumsum(chain.lengths)])
    return float(np.interp(x, np.arange(4.0), cum))


def station_frame(chain: Chain, x: float):
    """Centre (3,) and unit (across, dorsal, along) axes at station ``x``;
    at a joint the bone directions are averaged."""
    bone = int(min(np.floor(x), 2))
    centre = chain.points[bone] + (station_length(chain, x) - station_length(
        chain, bone)) * chain.along[bone]
    along, dorsal = chain.along[bone], chain.dorsal[bone]
    if x == bone and bone > 0:
        along = chain.along[bone - 1] + chain.along[bone]
        dorsal = chain.dorsal[bone - 1] + chain.dorsal[bone]
    along = along / np.linalg.norm(along)
    dorsal = dorsal - dorsal.dot(along) * along
    dorsal = dorsal / np.linalg.norm(dorsal)
    return centre, np.cross(dorsal, along), dorsal, along


def station_width(chain: Chain, x: float) -> float:
    """Skin breadth at ``x``: joint widths, a slight waist mid-phalanx, and
    a rounded cap of radius half the pad width at the tip."""
    width = float(np.interp(x, (0.0, 1.0, 2.0, 2.5), chain.widths))
    width *= 1.0 - 0.05 * np.sin(np.pi * (x - np.floor(x)))**2
    cap = 0.5 * chain.widths[3]
    into_cap = station_length(chain, x) - (station_length(chain, 3.0) - cap)
    if into_cap > 0:
        width *= (1.0 - min(into_cap / cap, 1.0)**2.5)**(1 / 2.5)
    return width


def ring_angles(count: int) -> np.ndarray:
    """Angles of ring vertices, from the radial side over the back and the
    ulnar side to the palm: the first half is dorsal."""
    return (np.arange(count) + 0.5) * 2 * np.pi / count


def ellipse_ring(chain: Chain, x: float, angles: np.ndarray) -> np.ndarray:
    centre, across, dorsal, _ = station_frame(chain, x)
    half = 0.5 * station_width(chain, x)
    return (centre + half * np.cos(angles)[:, None] * across +
            half * chain.depth_ratio * np.sin(angles)[:, None] * dorsal)


def finger_base_ring(chain: Chain, offset: float) -> np.ndarray:
    """(10, 3) base ring of a long finger (ring 8 of the palm)."""
    x = offset / chain.lengths[0]
    return ellipse_ring(chain, x, ring_angles(FINGER_RING))


def thumb_rings(chain: Chain, outline: np.ndarray) -> List[np.ndarray]:
    """Thumb rings lofted from the hole ``outline`` (12, 3) to ellipses
    around the thumb bones. Seen along the thumb, ring vertex ``i`` starts
    at the angle of outline vertex ``i`` and turns to evenly spaced angles,
    so the loft never twists."""
    _, across, dorsal, _ = station_frame(chain, 0.0)
    rel = outline - outline.mean(axis=0)
    angles = np.unwrap(np.arctan2(rel @ dorsal, rel @ across))
    step = np.sign(angles[-1] - angles[0]) * 2 * np.pi / THUMB_RING
    offsets = angles - step * np.arange(THUMB_RING)
    start = np.arctan2(np.sin(offsets).mean(), np.cos(offsets).mean())
    even = start + step * np.arange(THUMB_RING)
    even += np.round((angles - even) / (2 * np.pi)) * 2 * np.pi
    rings = []
    for x, loft in zip(THUMB_STATIONS, THUMB_LOFT):
        ellipse = ellipse_ring(chain, x, (1 - loft) * angles + loft * even)
        rings.append((1 - loft) * outline + loft * ellipse)
    return rings
