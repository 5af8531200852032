"""MMAction2's GCN input formatting, with the persons of the sample."""
from typing import Dict, Optional

from mmaction.datasets.transforms import FormatGCNInput
from mmaction.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PSTLFormatGCNInput(FormatGCNInput):
    """MMAction2's ``FormatGCNInput``, keeping the sample's persons by default.

    :class:`~pstl_mm.datasets.PSTLSkeletonDataset` already pads (with zero
    persons) or truncates every sample to its ``num_person``, so the test
    pipelines keep the M the dataset's config sets instead of naming it a
    second time: ``keypoint`` (M, T, V, C) becomes (1, M, T, V, C) (or
    (num_clips, M, T / num_clips, V, C)), as ``FormatGCNInput`` makes it.

    Args:
        num_person (int, optional): Pad or truncate to this many persons, as
            ``FormatGCNInput``; ``None`` (default) keeps the sample's M.
        mode (str): Padding of ``FormatGCNInput``, ``'zero'`` (default) or
            ``'loop'``.
    """

    def __init__(self, num_person: Optional[int] = None,
                 mode: str = 'zero') -> None:
        super().__init__(num_person=1 if num_person is None else num_person,
                         mode=mode)
        self.num_person = num_person

    def transform(self, results: Dict) -> Dict:
        """Format ``results['keypoint']`` (M, T, V, C) for a GCN.

        Args:
            results (dict): The sample.

        Returns:
            dict: ``results`` with ``keypoint`` (num_clips, M', T', V, C'),
            M' = ``num_person`` or M (C' = C + 1 with ``keypoint_score``).
        """
        if self.num_person is not None:
            return super().transform(results)
        persons = len(results['keypoint'])
        return FormatGCNInput(persons, self.mode).transform(results)
