"""``ImageDictDataPreprocessor``: batches samples with several images each.

A two-hand sample (``PackTwoHandInputs``) packs ``inputs`` as a dict of
(3, h, w) uint8 images (``frame``, ``right``, ``left``); the collated batch
is a dict of lists. Each entry is stacked, colour-converted and normalised
like ``HandDataPreprocessor`` does for a single crop.
"""
from egohands.models.data_preprocessors.hand_data_preprocessor import \
    HandDataPreprocessor
from egohands.registry import MODELS


@MODELS.register_module()
class ImageDictDataPreprocessor(HandDataPreprocessor):
    """``HandDataPreprocessor`` per entry of a dict of image lists.

    Arguments as :class:`HandDataPreprocessor`. ``forward`` returns
    ``inputs`` as a dict of (B, 3, h, w) float tensors (a plain list or
    tensor of images is processed as by the parent).
    """

    def forward(self, data: dict, training: bool = False) -> dict:
        inputs = data['inputs']
        if not isinstance(inputs, dict):
            return super().forward(data, training)
        samples = data.get('data_samples')
        batched = {}
        for name, images in inputs.items():
            part = super().forward(dict(inputs=images, data_samples=samples),
                                   training)
            batched[name] = part['inputs']
            samples = part['data_samples']
        return dict(inputs=batched, data_samples=samples)
