"""``HandPoseDiscriminator``: HMR's pose-and-shape discriminator for MANO.

HMR (and HaMeR) judge whether a set of MANO parameters looks like real
motion capture with three groups of outputs, all linear scores:

* one per joint: each of the 15 joint rotation matrices (9 numbers) goes
  through shared 1x1 convolutions ``9 -> 32 -> 32`` (ReLU) and a linear
  layer of its own ``32 -> 1``;
* one for the shape: ``10 -> 10 -> 5 -> 1`` (ReLU);
* one for the whole pose: the 15 x 32 joint features ``-> 1024 -> 1024 ->
  1`` (ReLU).

Output (B, 15 + 1 + 1) scores; trained with least-squares GAN losses
(``egohands.models.losses.adversarial``). Weights start Xavier-uniform with
zero biases.
"""
import torch
from torch import nn

from egohands.registry import MODELS


@MODELS.register_module()
class HandPoseDiscriminator(nn.Module):
    """MANO pose + shape discriminator.

    Args:
        num_joints: number of hand joint rotations (MANO: 15).
        num_betas: number of shape coefficients (10).
        joint_channels: width of the per-joint features (32).
        hidden_dim: width of the whole-pose MLP (1024).
    """

    def __init__(self, num_joints: int = 15, num_betas: int = 10,
                 joint_channels: int = 32, hidden_dim: int = 1024) -> None:
        super().__init__()
        self.num_joints = num_joints
        self.joint_conv1 = nn.Conv2d(9, joint_channels, kernel_size=1)
        self.joint_conv2 = nn.Conv2d(joint_channels, joint_channels,
                                     kernel_size=1)
        self.joint_scores = nn.ModuleList(
            [nn.Linear(joint_channels, 1) for _ in range(num_joints)])
        self.betas_fc1 = nn.Linear(num_betas, 10)
        self.betas_fc2 = nn.Linear(10, 5)
        self.betas_score = nn.Linear(5, 1)
        self.pose_fc1 = nn.Linear(joint_channels * num_joints, hidden_dim)
        self.pose_fc2 = nn.Linear(hidden_dim, hidden_dim)
        self.pose_score = nn.Linear(hidden_dim, 1)
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Conv2d)):
                nn.init.xavier_uniform_(module.weight)
                nn.init.zeros_(module.bias)

    def forward(self, hand_pose: torch.Tensor,
                betas: torch.Tensor) -> torch.Tensor:
        """(B, 15, 3, 3) rotation matrices (or (B, 135)), (B, 10) betas ->
        (B, 17) scores."""
        batch = betas.shape[0]
        # (B, 9, J, 1): the 9 matrix entries are the channels
        joints = hand_pose.reshape(batch, self.num_joints, 9).transpose(
            1, 2)[..., None]
        features = torch.relu(self.joint_conv2(torch.relu(
            self.joint_conv1(joints))))[..., 0]  # (B, C, J)
        joint_scores = torch.cat([
            score(features[:, :, j])
            for j, score in enumerate(self.joint_scores)
        ], dim=1)
        shape = torch.relu(self.betas_fc2(torch.relu(self.betas_fc1(betas))))
        # channel-major (c * J + j), the layout of the official weights
        pose = features.reshape(batch, -1)
        pose = torch.relu(self.pose_fc2(torch.relu(self.pose_fc1(pose))))
        return torch.cat([joint_scores, self.betas_score(shape),
                          self.pose_score(pose)], dim=1)
