"""Adversarial prior: the discriminator's layout, gradient separation, and
one combined AdamW step == HaMeR's two optimizers."""
import numpy as np
import pytest
import torch

from egohands.geometry.rotation import rot6d_columns_to_matrix
from egohands.models.discriminators import HandPoseDiscriminator
from egohands.models.losses import MANOAdversarialLoss
from egohands.utils.errors import MissingAssetError


def _random_rotations(batch, generator=None):
    return rot6d_columns_to_matrix(torch.randn(batch, 15, 6,
                                               generator=generator))


def test_discriminator_against_a_per_joint_loop():
    torch.manual_seed(0)
    disc = HandPoseDiscriminator(hidden_dim=16)
    poses, betas = _random_rotations(3), torch.randn(3, 10)
    out = disc(poses, betas)
    assert out.shape == (3, 17)
    w1 = disc.joint_conv1.weight[:, :, 0, 0]
    w2 = disc.joint_conv2.weight[:, :, 0, 0]
    for b in range(3):
        features = []
        for j in range(15):
            x = poses[b, j].reshape(9)  # row-major matrix entries
            h = torch.relu(w2 @ torch.relu(w1 @ x + disc.joint_conv1.bias) +
                           disc.joint_conv2.bias)
            features.append(h)
            torch.testing.assert_close(out[b, j],
                                       disc.joint_scores[j](h)[0])
        # the whole-pose MLP reads the features channel-major (c * 15 + j)
        flat = torch.stack(features, dim=1).reshape(-1)
        h = torch.relu(disc.pose_fc2(torch.relu(disc.pose_fc1(flat))))
        torch.testing.assert_close(out[b, 16], disc.pose_score(h)[0])
        s = torch.relu(disc.betas_fc2(torch.relu(disc.betas_fc1(betas[b]))))
        torch.testing.assert_close(out[b, 15], disc.betas_score(s)[0])


def _tiny_setup(seed=0):
    """Prior, generator parameters (6D poses, betas) and real samples, in
    float64 (Adam's normalised steps amplify float32 round-off of
    gradients near zero)."""
    torch.manual_seed(seed)
    prior = MANOAdversarialLoss(
        loss_weight=0.5, discriminator=dict(type='HandPoseDiscriminator',
                                            hidden_dim=16)).double()
    pose_6d = torch.nn.Parameter(torch.randn(4, 15, 6).double())
    betas = torch.nn.Parameter(torch.randn(4, 10).double())
    real = (_random_rotations(4, torch.Generator().manual_seed(5)).double(),
            torch.randn(4, 10,
                        generator=torch.Generator().manual_seed(6)).double())
    return prior, pose_6d, betas, real


def test_each_term_reaches_only_its_own_parameters():
    prior, pose_6d, betas, real = _tiny_setup()
    losses = prior(rot6d_columns_to_matrix(pose_6d), betas, real)
    disc_params = list(prior.discriminator.parameters())
    grads = torch.autograd.grad(losses['loss_adv_generator'],
                                [pose_6d, betas] + disc_params,
                                allow_unused=True)
    assert grads[0].abs().sum() > 0 and grads[1].abs().sum() > 0
    assert all(g is None for g in grads[2:])
    grads = torch.autograd.grad(losses['loss_adv_discriminator'],
                                [pose_6d, betas] + disc_params,
                                allow_unused=True)
    assert grads[0] is None and grads[1] is None
    assert all(g is not None for g in grads[2:])


def test_lsgan_values_by_hand():
    prior, pose_6d, betas, real = _tiny_setup()
    hand_pose = rot6d_columns_to_matrix(pose_6d)
    losses = prior(hand_pose, betas, real)
    fake_scores = prior.discriminator(hand_pose, betas)
    real_scores = prior.discriminator(*real)
    assert losses['loss_adv_generator'].item() == pytest.approx(
        0.5 * ((fake_scores - 1)**2).sum().item() / 4)
    assert losses['loss_adv_discriminator'].item() == pytest.approx(
        0.5 * ((fake_scores**2).sum() +
               ((real_scores - 1)**2).sum()).item() / 4)


def test_one_combined_step_equals_two_optimizers():
    # combined: one AdamW over generator and discriminator parameters on
    # the sum of the terms (egohands)
    prior, pose_6d, betas, real = _tiny_setup()
    params = [pose_6d, betas] + list(prior.discriminator.parameters())
    adamw = dict(lr=1e-2, weight_decay=1e-4, foreach=False)
    optimizer = torch.optim.AdamW(params, **adamw)
    for _ in range(3):
        losses = prior(rot6d_columns_to_matrix(pose_6d), betas, real)
        optimizer.zero_grad()
        sum(losses.values()).backward()
        optimizer.step()
    combined = [p.detach().clone() for p in params]
    # HaMeR: generator step on its loss, then a separate discriminator
    # step on the same forward pass's detached predictions
    prior, pose_6d, betas, real = _tiny_setup()
    gen_opt = torch.optim.AdamW([pose_6d, betas], **adamw)
    disc_opt = torch.optim.AdamW(prior.discriminator.parameters(), **adamw)
    disc = prior.discriminator
    for _ in range(3):
        hand_pose = rot6d_columns_to_matrix(pose_6d)
        fake = (hand_pose.detach(), betas.detach().clone())  # pre-step
        gen_loss = 0.5 * ((disc(hand_pose, betas) - 1)**2).sum() / 4
        gen_opt.zero_grad()
        gen_loss.backward()
        gen_opt.step()
        disc_loss = 0.5 * ((disc(*fake)**2).sum() +
                           ((disc(*real) - 1)**2).sum()) / 4
        disc_opt.zero_grad()
        disc_loss.backward()
        disc_opt.step()
    separate = [pose_6d, betas] + list(prior.discriminator.parameters())
    for a, b in zip(combined, separate):
        torch.testing.assert_close(a, b.detach(), atol=1e-10, rtol=1e-10)


def test_real_poses_from_a_mocap_file_or_the_prior(tmp_path):
    path = tmp_path / 'mocap.npz'
    rng = np.random.default_rng(0)
    np.savez(path, hand_pose=rng.normal(0, 0.3, (7, 48)),
             betas=rng.normal(size=(7, 10)))
    prior = MANOAdversarialLoss(mocap_file=str(path))
    assert prior.mocap[0].shape == (7, 45)  # global orientation dropped
    poses, betas = prior.sample_real(5, torch.device('cpu'))
    assert poses.shape == (5, 15, 3, 3) and betas.shape == (5, 10)
    eye = torch.eye(3).expand(5, 15, 3, 3)
    torch.testing.assert_close(poses @ poses.transpose(-1, -2), eye,
                               atol=1e-5, rtol=0)
    poses, _ = MANOAdversarialLoss().sample_real(3, torch.device('cpu'))
    assert poses.shape == (3, 15, 3, 3)
    with pytest.raises(MissingAssetError, match='freihand_mocap'):
        MANOAdversarialLoss(mocap_file=str(tmp_path / 'absent.npz'))
