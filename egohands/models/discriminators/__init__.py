"""Discriminators for adversarial priors (registered in ``MODELS``)."""
from egohands.models.discriminators.hand_pose_discriminator import \
    HandPoseDiscriminator

__all__ = ['HandPoseDiscriminator']
