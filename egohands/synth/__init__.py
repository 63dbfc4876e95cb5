"""egohands.synth: the synthetic-data stack, one home apart from the core.

* :mod:`.hand` the synthetic hand, a procedural stand-in in MANO's file
  format (written by ``tools/make_hand_model.py``);
* :mod:`.egosynth` EgoSynth, the synthetic egocentric dataset rendered with
  it (``tools/make_egosynth.py``, docs/egosynth.md).

The core package (dataset readers, transforms, models, evaluation) never
imports this package; EgoSynth reaches the core only as files in the
canonical annotation format.
"""
