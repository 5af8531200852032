"""A test loop that scores every partial-body occlusion setting in one run."""
import time
from typing import Dict, List, Sequence, Tuple, Union

from mmaction.registry import LOOPS
from mmengine.evaluator import Evaluator
from mmengine.runner import TestLoop
from mmengine.runner.loops import _parse_losses
from torch.utils.data import DataLoader

from ..datasets.transforms.occlusion import MODES, PartialBodyOcclusion
from ..datasets.transforms.walk import iter_transforms
from ..evaluation.partial_body_metric import PartialBodyMetric

Setting = Tuple[str, str, int, int]  # mode, kind, level, repeat


def find_occlusions(dataset) -> List[PartialBodyOcclusion]:
    """Every :class:`PartialBodyOcclusion` in a dataset's pipeline.

    Args:
        dataset: The test dataset (wrappers and nested pipelines are looked
            through, see :func:`~pstl_mm.datasets.transforms.iter_transforms`).

    Returns:
        list[PartialBodyOcclusion]: The transforms found, possibly none.
    """
    return [
        transform for transform in iter_transforms(dataset)
        if isinstance(transform, PartialBodyOcclusion)
    ]


@LOOPS.register_module()
class PartialBodyTestLoop(TestLoop):
    """Score a model with joints or body parts hidden, every level at once.

    For every mode, kind (``'joints'`` with ``joint_levels``, ``'parts'``
    with ``part_levels``), level and repeat, the loop sets the
    :class:`~pstl_mm.datasets.transforms.PartialBodyOcclusion` of the test
    pipeline to that setting, runs the whole test set through
    ``model.test_step`` and feeds the evaluator; at the end it evaluates
    once and returns the metrics of
    :class:`~pstl_mm.evaluation.PartialBodyMetric`, whose report goes to the
    run's log dir (unless the metric was given its own ``out_dir``).

    Level 0 hides nothing, so it is run for repeat 0 only (its spread is 0).
    Every pass builds a new data-loader iterator; the test dataloader must
    use ``persistent_workers=False`` so that new workers see the new
    setting. One log line per pass shows the progress.

    Args:
        runner (Runner): The runner.
        dataloader (DataLoader | dict): The test dataloader; its pipeline
            must hold a ``PartialBodyOcclusion``.
        evaluator (Evaluator | dict | list): Must hold a
            ``PartialBodyMetric``.
        fp16 (bool): Test under autocast. Defaults to False.
        joint_levels (Sequence[int]): Joints hidden. Defaults to
            ``(0, 2, 4, 6, 8, 10)`` (the paper's Tab.4).
        part_levels (Sequence[int]): Body parts hidden. Defaults to
            ``(0, 1, 2, 3, 4)`` (the paper's Tab.5).
        repeats (int): Seeded repeats per level > 0. Defaults to 3.
        modes (Sequence[str]): ``'zero'`` and/or ``'drop'``.
            Defaults to both.
    """

    def __init__(self,
                 runner,
                 dataloader: Union[DataLoader, Dict],
                 evaluator: Union[Evaluator, Dict, List],
                 fp16: bool = False,
                 joint_levels: Sequence[int] = (0, 2, 4, 6, 8, 10),
                 part_levels: Sequence[int] = (0, 1, 2, 3, 4),
                 repeats: int = 3,
                 modes: Sequence[str] = ('zero', 'drop')) -> None:
        super().__init__(runner, dataloader, evaluator, fp16=fp16)
        if not isinstance(repeats, int) or isinstance(repeats, bool) \
                or repeats < 1:
            raise ValueError('PartialBodyTestLoop: repeats must be an int '
                             f'>= 1, got {repeats!r}')
        modes = tuple(modes)
        if not modes or any(mode not in MODES for mode in modes) \
                or len(set(modes)) != len(modes):
            raise ValueError(f'PartialBodyTestLoop: modes must be distinct '
                             f'values of {MODES}, got {modes!r}')
        self.repeats = int(repeats)
        self.modes = modes
        self.levels = dict(
            joints=self._check_levels('joint_levels', joint_levels),
            parts=self._check_levels('part_levels', part_levels))
        if not any(self.levels.values()):
            raise ValueError('PartialBodyTestLoop: joint_levels and '
                             'part_levels are both empty')

        self.occlusions = find_occlusions(self.dataloader.dataset)
        if not self.occlusions:
            raise ValueError(
                'PartialBodyTestLoop: the test pipeline has no '
                'PartialBodyOcclusion; add dict(type="PartialBodyOcclusion") '
                'before FormatGCNInput')
        if getattr(self.dataloader, 'persistent_workers', False) and \
                self.dataloader.num_workers > 0:
            raise ValueError(
                'PartialBodyTestLoop: the test dataloader has '
                'persistent_workers=True, so its workers would keep the '
                'first occlusion setting; set persistent_workers=False')
        self.metrics = PartialBodyMetric.find_in(self.evaluator,
                                                 'PartialBodyTestLoop')
        # Fail now, not after hours of testing, on a level the dataset's
        # layout cannot take (e.g. all 5 parts).
        layout = getattr(self.dataloader.dataset, 'layout', None)
        layout = getattr(layout, 'name', layout)
        for mode, kind, level, repeat in self.settings():
            for occlusion in self.occlusions:
                occlusion.check_setting(kind, level, mode, repeat, layout)

    @staticmethod
    def _check_levels(name: str, levels: Sequence[int]) -> Tuple[int, ...]:
        """Validate a list of levels: distinct ints >= 0."""
        levels = tuple(levels)
        if any(not isinstance(level, int) or isinstance(level, bool)
               or level < 0
               for level in levels) or len(set(levels)) != len(levels):
            raise ValueError(f'PartialBodyTestLoop: {name} must be distinct '
                             f'ints >= 0, got {levels!r}')
        return tuple(int(level) for level in levels)

    def settings(self) -> List[Setting]:
        """Every ``(mode, kind, level, repeat)`` to run, in order.

        Level 0 hides nothing: it gets repeat 0 only.
        """
        out = []
        for mode in self.modes:
            for kind in ('joints', 'parts'):
                for level in self.levels[kind]:
                    for repeat in range(1 if level == 0 else self.repeats):
                        out.append((mode, kind, level, repeat))
        return out

    def _samples_per_pass(self) -> int:
        """Samples processed by all ranks in one pass (padding included)."""
        total = getattr(self.dataloader.sampler, 'total_size', None)
        return int(total) if total is not None else len(
            self.dataloader.dataset)

    def run(self) -> dict:
        """Run every setting, then evaluate once.

        Returns:
            dict: The metrics of the evaluator (``partial_body/{mode}/
            {kind}_{level}/top1`` and ``.../top1_std``).
        """
        self.runner.call_hook('before_test')
        self.runner.call_hook('before_test_epoch')
        self.runner.model.eval()
        self.test_loss.clear()
        for metric in self.metrics:
            metric.set_run_dir(self.runner.log_dir)
        initial = [occlusion.setting for occlusion in self.occlusions]

        settings = self.settings()
        total = 0
        try:
            for i, (mode, kind, level, repeat) in enumerate(settings):
                for occlusion in self.occlusions:
                    occlusion.set_setting(kind, level, mode, repeat)
                start = time.perf_counter()
                for idx, data_batch in enumerate(self.dataloader):
                    self.run_iter(idx, data_batch)
                total += self._samples_per_pass()
                self.runner.logger.info(
                    f'partial body [{i + 1}/{len(settings)}] mode={mode} '
                    f'{kind}={level} repeat={repeat}: '
                    f'{len(self.dataloader.dataset)} samples in '
                    f'{time.perf_counter() - start:.1f} s')
        finally:
            for occlusion, setting in zip(self.occlusions, initial):
                occlusion.set_setting(**setting)

        metrics = self.evaluator.evaluate(total)
        if self.test_loss:
            metrics.update(_parse_losses(self.test_loss, 'test'))
        self.runner.call_hook('after_test_epoch', metrics=metrics)
        self.runner.call_hook('after_test')
        return metrics
