"""egohands.hand_models."""
