"""``BriefEnvRunner``: mmengine's Runner with a start-up log that skips
mmengine's ``collect_env``.

``collect_env`` starts a compiler subprocess (``gcc --version``), imports
torchvision and formats torch's build configuration: about 3 s of CPU, the
largest part of building a Runner for ``tools/test.py`` (docs/benchmarks.md).
This runner logs the versions and the runtime settings a test report needs
and the config, as mmengine does, and is otherwise mmengine's Runner.
"""
import sys
from collections import OrderedDict

import cv2
import mmengine
import torch
from mmengine.runner import Runner


class BriefEnvRunner(Runner):
    """A Runner whose environment log needs no subprocess nor extra import."""

    def _log_env(self, env_cfg: dict) -> None:
        import egohands
        env = OrderedDict([
            ('Python', sys.version.split()[0]),
            ('PyTorch', torch.__version__),
            ('CUDA available', torch.cuda.is_available()),
            ('OpenCV', cv2.__version__),
            ('MMEngine', mmengine.__version__),
            ('egohands', egohands.__version__),
        ])
        runtime = OrderedDict(env_cfg)
        runtime.update(self._randomness_cfg)
        runtime['seed'] = self._seed
        runtime['Distributed launcher'] = self._launcher
        runtime['Distributed training'] = self._distributed
        runtime['GPU number'] = self._world_size
        lines = ['-' * 60, 'System environment (brief):']
        lines += [f'    {key}: {value}' for key, value in env.items()]
        lines += ['', 'Runtime environment:']
        lines += [f'    {key}: {value}' for key, value in runtime.items()]
        self.logger.info('\n' + '\n'.join(lines + ['-' * 60]) + '\n')
        if self.cfg._cfg_dict:
            self.logger.info(f'Config:\n{self.cfg.pretty_text}')
