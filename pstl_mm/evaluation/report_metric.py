"""A metric that writes a report into a folder: its own, or the run's."""
from typing import List, Optional

from mmengine.evaluator import BaseMetric


class ReportMetric(BaseMetric):
    """``BaseMetric`` with a report folder: ``out_dir``, else the run's.

    The test loops (:class:`~pstl_mm.engine.PartialBodyTestLoop`,
    :class:`~pstl_mm.engine.KNNTestLoop`) set the run's log dir with
    :meth:`set_run_dir`; a metric given ``out_dir`` writes there instead.

    Args:
        out_dir (str, optional): Folder of the report files.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the metric names.
        collect_dir (str, optional): See :class:`~mmengine.evaluator.
            BaseMetric`.
    """

    def __init__(self,
                 out_dir: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(
            collect_device=collect_device,
            prefix=prefix,
            collect_dir=collect_dir)
        self.out_dir = out_dir
        self.run_dir: Optional[str] = None

    def set_run_dir(self, run_dir: Optional[str]) -> None:
        """Folder used when ``out_dir`` is not given (set by the loop)."""
        self.run_dir = run_dir

    @property
    def report_dir(self) -> Optional[str]:
        """Where the report goes: ``out_dir``, else the run's folder."""
        return self.out_dir if self.out_dir is not None else self.run_dir

    @classmethod
    def find_in(cls, evaluator, loop: str) -> List['ReportMetric']:
        """The metrics of this class in a test loop's evaluator.

        Args:
            evaluator (Evaluator): The loop's evaluator.
            loop (str): The loop's name, for the error.

        Returns:
            list: The metrics found (at least one).

        Raises:
            ValueError: The evaluator has none.
        """
        found = [m for m in evaluator.metrics if isinstance(m, cls)]
        if not found:
            raise ValueError(f'{loop}: the test evaluator has no '
                             f'{cls.__name__}; set test_evaluator = '
                             f"dict(type='{cls.__name__}')")
        return found
