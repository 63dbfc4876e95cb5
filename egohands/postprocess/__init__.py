"""egohands.postprocess."""
from egohands.postprocess.ensemble import WeightedJointEnsemble  # noqa: F401
