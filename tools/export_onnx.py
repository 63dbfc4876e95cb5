"""Export a top-down hand model to ONNX and check it against PyTorch.

    python tools/export_onnx.py CONFIG CHECKPOINT OUT.onnx [--atol 1e-4]
        [--cfg-options k=v ...]

The file takes crops after the test pipeline (float BGR 0-255, plus a
left-hand flag) and returns wrist-relative joints in mm (graph and metadata:
egohands/apis/onnx_export.py). After writing it, the tool runs it with
onnxruntime on random crops and compares with PyTorch; a difference above
``--atol`` (mm) is an error. ``tools/infer.py OUT.onnx INPUT`` and
``egohands.apis.init_model('OUT.onnx')`` run it. Needs the optional
packages onnx, onnxruntime and onnxscript.
"""
import argparse
import sys
from typing import List


def parse_args(argv: List[str]) -> argparse.Namespace:
    from egohands.apis.cli import add_cfg_options_argument, add_debug_argument
    parser = argparse.ArgumentParser(description='Export a model to ONNX')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('out', help='the .onnx file to write')
    parser.add_argument('--atol', type=float, default=1e-4,
                        help='largest accepted difference to PyTorch, mm')
    add_cfg_options_argument(parser, help=None)
    add_debug_argument(parser)
    return parser.parse_args(argv)


def compare_with_pytorch(model, onnx_file: str, batch: int = 3) -> float:
    """Largest |ONNX - PyTorch| over every output on random crops (mm)."""
    import numpy as np
    import torch

    from egohands.apis.onnx_export import ExportableTopdown
    from egohands.apis.onnx_runtime import OnnxHandEstimator
    runtime = OnnxHandEstimator(onnx_file)
    width, height = runtime.meta['input_size']
    generator = torch.Generator().manual_seed(0)
    inputs = torch.rand(batch, 3, height, width, generator=generator) * 255
    looks_left = torch.arange(batch) % 2 == 1
    with torch.no_grad():
        expected = ExportableTopdown(model).eval()(inputs, looks_left)
    got = runtime.run(inputs.numpy(), looks_left.numpy())
    return max(float(np.abs(got[name] - value.numpy()).max())
               for name, value in zip(runtime.meta['outputs'], expected))


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    from egohands.apis import init_model
    from egohands.apis.onnx_export import export_onnx, require_onnx
    from egohands.utils.errors import CheckpointError
    require_onnx()
    model = init_model(args.config, args.checkpoint, 'cpu',
                       args.cfg_options)
    meta = export_onnx(model, args.out)
    difference = compare_with_pytorch(model, args.out)
    if difference > args.atol:
        raise CheckpointError(f'{args.out}: onnxruntime differs from PyTorch '
                              f'by {difference:.3g} mm > --atol {args.atol}')
    print(f'written {args.out} (outputs {", ".join(meta["outputs"])}); '
          f'largest difference to PyTorch {difference:.2e} mm')
    return 0


if __name__ == '__main__':
    from egohands.apis.cli import run_cli
    sys.exit(run_cli(main))
