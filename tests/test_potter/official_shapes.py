"""Parameter names and shapes of the official POTTER models, written from
the architecture description (seed_methods.md section 4), independently of
egohands' modules: the converter tests load state dicts made from them."""
from typing import Dict, Sequence, Tuple

import torch

Shapes = Dict[str, Tuple[int, ...]]

S12_DEPTHS = (2, 2, 6, 2)
S12_DIMS = (64, 128, 320, 512)
HR_DEPTHS = (2, 2, 4)
HR_MLP_RATIOS = (2, 2, 4)


def _conv(shapes: Shapes, name: str, c_in: int, c_out: int, kernel: int,
          groups: int = 1) -> None:
    shapes[f'{name}.weight'] = (c_out, c_in // groups, kernel, kernel)
    shapes[f'{name}.bias'] = (c_out, )


def _norm(shapes: Shapes, name: str, channels: int) -> None:
    shapes[f'{name}.weight'] = (channels, )
    shapes[f'{name}.bias'] = (channels, )


def _block(shapes: Shapes, name: str, dim: int, mlp_ratio: int) -> None:
    _norm(shapes, f'{name}.norm1', dim)
    _norm(shapes, f'{name}.token_mixer.norm', dim)
    for proj in ('proj0', 'proj1', 'proj2'):
        _conv(shapes, f'{name}.token_mixer.{proj}', dim, dim, 3, groups=dim)
    _norm(shapes, f'{name}.norm2', dim)
    _conv(shapes, f'{name}.mlp.fc1', dim, dim * mlp_ratio, 1)
    _conv(shapes, f'{name}.mlp.fc2', dim * mlp_ratio, dim, 1)
    shapes[f'{name}.layer_scale_1'] = (dim, )
    shapes[f'{name}.layer_scale_2'] = (dim, )


def poolattnformer_shapes(prefix: str = '', fork_norms: bool = True,
                          classifier: bool = False,
                          depths: Sequence[int] = S12_DEPTHS,
                          dims: Sequence[int] = S12_DIMS) -> Shapes:
    """PoolAttnFormer (POTTER_cls): ``patch_embed``, ``network.{i}``, and
    either the fork norms ``norm{0,2,4,6}`` or the classifier."""
    shapes: Shapes = {}
    _conv(shapes, f'{prefix}patch_embed.proj', 3, dims[0], 7)
    index = 0
    for stage, depth in enumerate(depths):
        for j in range(depth):
            _block(shapes, f'{prefix}network.{index}.{j}', dims[stage], 4)
        index += 1
        if stage + 1 < len(depths):
            _conv(shapes, f'{prefix}network.{index}.proj', dims[stage],
                  dims[stage + 1], 3)
            index += 1
    if fork_norms:
        for stage in range(len(depths)):
            _norm(shapes, f'{prefix}norm{2 * stage}', dims[stage])
    if classifier:
        _norm(shapes, f'{prefix}norm', dims[-1])
        shapes[f'{prefix}head.weight'] = (1000, dims[-1])
        shapes[f'{prefix}head.bias'] = (1000, )
    return shapes


def baseline_shapes(num_joints: int = 21, depth_dim: int = 56) -> Shapes:
    """``PoolAttnHR_Pose_3D`` of the EgoExo4D baseline, s12 at 224 x 224."""
    d0, d1, d2, d3 = S12_DIMS
    pose = 'poolattnformer_pose.'
    shapes = poolattnformer_shapes(pose + 'poolattn_cls.')
    stream = pose + 'stage1.'
    _conv(shapes, stream + 'patch_emb1.proj', d1, d0, 3)
    _conv(shapes, stream + 'patch_emb2.0.proj', d2, d1, 3)
    _norm(shapes, stream + 'patch_emb2.0.norm', d1)
    _conv(shapes, stream + 'patch_emb2.1.proj', d1, d0, 3)
    _conv(shapes, stream + 'patch_emb3.0.proj', d3, d2, 3)
    _norm(shapes, stream + 'patch_emb3.0.norm', d2)
    _conv(shapes, stream + 'patch_emb3.1.proj', d2, d1, 3)
    _norm(shapes, stream + 'patch_emb3.1.norm', d1)
    _conv(shapes, stream + 'patch_emb3.2.proj', d1, d0, 3)
    for level, (depth, ratio) in enumerate(zip(HR_DEPTHS, HR_MLP_RATIOS),
                                           start=1):
        for j in range(depth):
            _block(shapes, f'{stream}Block{level}.{j}', d0, ratio)
    _norm(shapes, pose + 'norm0', d0)
    _norm(shapes, pose + 'norm3', d3)
    k = num_joints
    _norm(shapes, 'norm1', 256)
    _conv(shapes, 'up_sample.0', d0, 256, 1)
    _conv(shapes, 'final_layer', 256, k * depth_dim, 1)
    for index in (0, 3):
        shapes[f'pose_layer.{index}.weight'] = (k, k, 1, 1, 1)
        shapes[f'pose_layer.{index}.bias'] = (k, )
    _norm(shapes, 'pose_layer.2', k)
    shapes['pose_3d_head.0.weight'] = (512, 3 * depth_dim)
    shapes['pose_3d_head.0.bias'] = (512, )
    _norm(shapes, 'pose_3d_head.2', k)
    shapes['pose_3d_head.3.weight'] = (3, 512)
    shapes['pose_3d_head.3.bias'] = (3, )
    return shapes


def random_state_dict(shapes: Shapes, prefix: str = '',
                      seed: int = 0) -> Dict[str, torch.Tensor]:
    """Distinct random tensors of the given shapes, keys behind ``prefix``."""
    generator = torch.Generator().manual_seed(seed)
    return {prefix + key: torch.randn(shape, generator=generator)
            for key, shape in shapes.items()}
