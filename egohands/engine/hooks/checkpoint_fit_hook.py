"""``CheckpointFitHook``: refuse a checkpoint that does not fit the model.

mmengine's ``load_from`` loads what fits and only logs the rest, so a test
run with the checkpoint of another head (a size mismatch) would write
metrics of an untrained head. ``tools/test.py`` adds this hook: after the
checkpoint is read and before it is loaded, a tensor of another shape or a
model tensor the checkpoint lacks ends the run with one error naming the
file and the tensors. Keys the model does not have are only logged.
"""
from mmengine.hooks import Hook
from mmengine.model import BaseTTAModel, is_model_wrapper

from egohands.checkpoint_converters.loading import fit_report
from egohands.checkpoint_converters.reading import extract_state_dict
from egohands.registry import HOOKS
from egohands.utils.errors import CheckpointError


@HOOKS.register_module()
class CheckpointFitHook(Hook):
    """Raise :class:`CheckpointError` unless the loaded checkpoint holds
    every tensor of the model, each of the model's shape.

    Args:
        checkpoint: the file name shown in the error.
    """

    priority = 'VERY_HIGH'

    def __init__(self, checkpoint: str = 'checkpoint') -> None:
        self.checkpoint = checkpoint

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        model = runner.model
        while is_model_wrapper(model) or isinstance(model, BaseTTAModel):
            model = model.module
        report = fit_report(model.state_dict(), extract_state_dict(
            checkpoint, source=self.checkpoint))
        if report.shape_mismatches or report.missing_keys:
            raise CheckpointError(
                f'checkpoint {self.checkpoint} does not fit the model of '
                f'this config ({report.summary()}); test it with the config '
                'it was trained with')
        if report.unexpected_keys:
            runner.logger.info(f'CheckpointFitHook: {report.summary()}')
