"""EgoSynth: egohands' synthetic egocentric hand dataset (docs/egosynth.md).

Modules, from the 3D scene to the files:

* :mod:`.cameras` wide-angle intrinsics; :mod:`.rigs` multi-camera
  headsets; :mod:`.sequences` smooth head / hand / finger motion;
* :mod:`.placement` where hands are and how they are turned;
  :mod:`.hand_meshes` the MANO-format hand model, batched;
* :mod:`.appearance` skin, light, sensor degradations;
  :mod:`.backgrounds` procedural textures; :mod:`.occluders` objects;
* :mod:`.scene` samples sequences; :mod:`.render_frame` renders one image;
  :mod:`.annotations` its records; :mod:`.generator` the splits on disk.
"""
from .config import POSE_STYLES, EgoSynthConfig
from .generator import generate_egosynth, sequence_rng
from .render_frame import RenderedImage, render_frame
from .scene import SceneHand, SequenceScene, sample_sequences

__all__ = [
    'POSE_STYLES', 'EgoSynthConfig', 'generate_egosynth', 'sequence_rng',
    'RenderedImage', 'render_frame', 'SceneHand', 'SequenceScene',
    'sample_sequences'
]
