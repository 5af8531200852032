"""Batch a dict of views, whatever views there are."""
from typing import Dict, Sequence, Union

import torch
from mmaction.registry import MODELS
from mmengine.model import BaseDataPreprocessor

from ...structures import JOINT_MASK, KEYPOINT, batch_view


@MODELS.register_module()
class ViewsDataPreprocessor(BaseDataPreprocessor):
    """Stack the views of the samples into batched views on the device.

    The inputs that :class:`~pstl_mm.datasets.transforms.PackViews` packs
    (collated to view name -> field -> per-sample list) become batched
    views of :mod:`pstl_mm.structures.skeleton_views`: ``keypoint`` (M, T,
    V, C) per sample -> float32 (N, M, T, V, C); ``joint_mask`` (V,) bool
    -> (N, V) bool, with its ``kept_joints`` worked out on the host before
    the batch goes to the device (so the encoder never waits for the
    device to choose how to run a mask). No view list: every view present
    is batched.
    """

    @staticmethod
    def _stack(where: str,
               values: Union[torch.Tensor, Sequence[torch.Tensor]]
               ) -> torch.Tensor:
        """One batched field: bool stays bool, anything else float32.

        Raises:
            ValueError: The samples' shapes differ (e.g. clips of other
                lengths than the pipeline makes).
        """
        if isinstance(values, torch.Tensor):
            batch = values
        else:
            shapes = {tuple(value.shape) for value in values}
            if len(shapes) > 1:
                raise ValueError(
                    f'ViewsDataPreprocessor: the samples of {where} differ '
                    f'in shape {sorted(shapes)}; every sample of a batch '
                    'must have the same shape')
            batch = torch.stack(list(values))
        return batch if batch.dtype == torch.bool else batch.float()

    def forward(self, data: dict, training: bool = False) -> dict:
        """Stack each view of ``inputs``, then move the batch to the device.

        Args:
            data (dict): ``inputs`` (view name -> dict field -> list of
                per-sample tensors) and ``data_samples``.
            training (bool): Unused (no batch augmentation).

        Returns:
            dict: ``inputs`` (view name -> batched view) and
            ``data_samples``.

        Raises:
            TypeError: ``inputs`` is not a dict of views, or a view has
                other fields than ``keypoint`` and ``joint_mask``.
            ValueError: A mask removes every joint of a sample.
        """
        inputs = data['inputs']
        if not isinstance(inputs, dict):
            raise TypeError('ViewsDataPreprocessor takes a dict of views as '
                            f'inputs, got {type(inputs).__name__}; pack them '
                            'with PackViews')
        batch: Dict[str, dict] = {}
        for name, view in inputs.items():
            fields = sorted(view) if isinstance(view, dict) else None
            if fields is None or KEYPOINT not in fields or set(fields) - {
                    KEYPOINT, JOINT_MASK
            }:
                raise TypeError(
                    f'ViewsDataPreprocessor: view {name!r} must be a dict '
                    "with 'keypoint' and optionally 'joint_mask', as "
                    'PackViews makes it; got '
                    f'{fields if fields is not None else type(view).__name__}')
            mask = view.get(JOINT_MASK)
            if mask is not None:
                mask = self._stack(f'{name!r} joint_mask', mask).cpu()
            batch[name] = batch_view(
                self._stack(f'{name!r} keypoint', view[KEYPOINT]), mask,
                f'ViewsDataPreprocessor: view {name!r} joint_mask')
        data = self.cast_data(
            dict(inputs=batch, data_samples=data.get('data_samples')))
        return dict(inputs=data['inputs'], data_samples=data['data_samples'])
