"""egohands.postprocess."""
from egohands.postprocess.ensemble import WeightedJointEnsemble  # noqa: F401
from egohands.postprocess.hamer_align import HaMeRAlign  # noqa: F401
from egohands.postprocess.neural_smooth_records import NeuralSmooth  # noqa: F401,E501
