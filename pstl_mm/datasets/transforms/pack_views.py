"""Pack the views of :class:`MultiView` for a self-supervised model."""
from typing import Dict, Sequence

import numpy as np
import torch
from mmaction.registry import TRANSFORMS
from mmaction.structures import ActionDataSample
from mmcv.transforms import BaseTransform

from ...structures import JOINT_MASK, KEYPOINT


def _sample_name(results: Dict) -> str:
    """How an error names the sample: its ``frame_dir`` or index."""
    for key in ('frame_dir', 'sample_idx'):
        if key in results:
            return f'{key}={results[key]!r}'
    return 'a sample without frame_dir or sample_idx'


@TRANSFORMS.register_module()
class PackViews(BaseTransform):
    """Pack every view and joint mask that :class:`MultiView` made.

    ``results['views']`` (view name -> ``keypoint`` (M, T, V, C) and, where
    present, ``joint_mask`` (V,) bool) becomes ``inputs``, a dict view name
    -> ``dict(keypoint=float32 tensor (M, T, V, C), joint_mask=bool tensor
    (V,))`` (True = removed; no ``joint_mask`` where the view has none), one
    sample of the views of :mod:`pstl_mm.structures.skeleton_views`.
    Nothing is listed: whatever views the sample has are packed, in their
    order. The data sample is MMAction2's ``ActionDataSample`` with the
    label (where the sample has one) and the ``meta_keys`` present as
    metainfo.

    Args:
        meta_keys (Sequence[str]): Keys of ``results`` kept as metainfo.
            Defaults to none.
    """

    def __init__(self, meta_keys: Sequence[str] = ()) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: Dict) -> Dict:
        """Pack one sample.

        Args:
            results (dict): The output of :class:`MultiView`.

        Returns:
            dict: ``inputs`` (dict view name -> view) and ``data_samples``
            (``ActionDataSample``).

        Raises:
            KeyError: The sample has no views.
            ValueError: A joint mask is not a (V,) mask of its view's V.
        """
        views = results.get('views')
        if not views:
            raise KeyError(f'PackViews: {_sample_name(results)} has no '
                           "'views'; put MultiView before PackViews")
        inputs = {}
        for name, view in views.items():
            keypoint = np.ascontiguousarray(view[KEYPOINT], np.float32)
            packed = {KEYPOINT: torch.from_numpy(keypoint)}
            if JOINT_MASK in view:
                mask = np.asarray(view[JOINT_MASK])
                if mask.shape != keypoint.shape[-2:-1]:
                    raise ValueError(
                        f'PackViews: {_sample_name(results)}, view {name!r}: '
                        f'joint_mask has shape {mask.shape}, expected '
                        f'({keypoint.shape[-2]},) for keypoint '
                        f'{keypoint.shape}')
                packed[JOINT_MASK] = torch.from_numpy(
                    mask.astype(bool, copy=True))
            inputs[name] = packed
        data_sample = ActionDataSample()
        if 'label' in results:
            data_sample.set_gt_label(results['label'])
        data_sample.set_metainfo(
            {key: results[key]
             for key in self.meta_keys if key in results})
        return dict(inputs=inputs, data_samples=data_sample)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(meta_keys={self.meta_keys})'
