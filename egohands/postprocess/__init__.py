"""egohands.postprocess."""
from egohands.postprocess.hamer_align import HaMeRAlign

__all__ = ['HaMeRAlign']
