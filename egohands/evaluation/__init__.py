"""egohands.evaluation: metric definitions (``functional``) and the
registered mmengine metrics built on them (``metrics``)."""
from . import functional, metrics  # noqa: F401  (registers the metrics)
