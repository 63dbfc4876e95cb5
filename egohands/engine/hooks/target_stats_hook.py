"""``TargetStatsHook``: give codecs their statistics when training starts.

Runs at ``before_train``, after the Runner has loaded or resumed a
checkpoint. Every codec of the model that needs statistics and still has
none (no ``stats_file`` on disk, no checkpoint buffers) gets them computed
from the training annotations with ``egohands.codecs.stats_from_dataset``,
the same function as ``tools/compute_target_stats.py``. The hook logs what
it did and writes the statistics to ``<work_dir>/target_stats.json``. Every
rank computes the same numbers from the same annotations, so distributed
runs stay consistent without communication.
"""
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from egohands.codecs.base import BaseJointCodec
from egohands.codecs.target_stats import save_stats, stats_from_dataset
from egohands.registry import HOOKS


@HOOKS.register_module()
class TargetStatsHook(Hook):
    """Compute missing codec statistics from the training set.

    Args:
        out_file: where to save them, relative to the work dir.
    """

    priority = 'VERY_HIGH'

    def __init__(self, out_file: str = 'target_stats.json') -> None:
        self.out_file = out_file

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        codecs = [
            module for module in model.modules()
            if isinstance(module, BaseJointCodec) and module.needs_statistics
            and not module.has_statistics()
        ]
        if not codecs:
            return
        dataset = runner.train_dataloader.dataset
        for codec in codecs:
            stats = stats_from_dataset(dataset,
                                       getattr(codec, 'root_index', 0))
            codec.set_statistics(stats)
        out_path = osp.join(runner.work_dir, self.out_file)
        if is_main_process():
            save_stats(stats, out_path)
        runner.logger.info(
            f'TargetStatsHook: the codec had no target statistics; computed '
            f'them from {stats["num_hands"]} training hands '
            f'({stats["source"]}) and saved them to {out_path}')
