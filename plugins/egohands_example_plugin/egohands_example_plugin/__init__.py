"""egohands_example_plugin: importing it registers its components.

* ``JsonLinesHandDataset`` (DATASETS): one JSON object per line, 3D joints
  in metres in MANO+tips order, boxes as x, y, w, h;
* ``FingertipErrorMetric`` (METRICS): mean wrist-relative fingertip error.
"""
from egohands_example_plugin.fingertip_metric import FingertipErrorMetric
from egohands_example_plugin.jsonl_hand_dataset import JsonLinesHandDataset

__all__ = ['FingertipErrorMetric', 'JsonLinesHandDataset']
