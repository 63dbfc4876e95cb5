"""egohands.hub: the model-zoo index and verified checkpoint downloads."""
from egohands.hub.download import (download_entry, download_model,
                                   file_sha256, load_checkpoint_verified)
from egohands.hub.model_zoo import (ModelZooEntry, get_entry,
                                    model_zoo_index)

__all__ = [
    'ModelZooEntry', 'model_zoo_index', 'get_entry', 'download_entry',
    'download_model', 'load_checkpoint_verified', 'file_sha256'
]
