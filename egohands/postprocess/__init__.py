"""egohands.postprocess."""
from egohands.postprocess.ensemble import WeightedJointEnsemble  # noqa: F401
from egohands.postprocess.hamer_align import HaMeRAlign  # noqa: F401
