"""Batch a dict of views, whatever views there are."""
from typing import Dict, Sequence, Union

import torch
from mmaction.registry import MODELS
from mmengine.model import BaseDataPreprocessor


@MODELS.register_module()
class ViewsDataPreprocessor(BaseDataPreprocessor):
    """Stack every entry of a dict of views into a batch on the device.

    The inputs that :class:`~pstl_mm.datasets.transforms.PackViews` packs
    (collated to a dict of per-sample lists) become a dict of batched
    tensors: a view (M, T, V, C) per sample -> float32 (N, M, T, V, C); a
    joint mask (V,) bool -> (N, V) bool (it stays bool). No key list: every
    key present is batched.
    """

    @staticmethod
    def _stack(key: str, values: Union[torch.Tensor, Sequence[torch.Tensor]]
               ) -> torch.Tensor:
        """One batched entry: bool stays bool, anything else float32.

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
                    f'ViewsDataPreprocessor: the samples of {key!r} differ '
                    f'in shape {sorted(shapes)}; every sample of a batch '
                    'must have the same shape')
            batch = torch.stack(list(values))
        return batch if batch.dtype == torch.bool else batch.float()

    def forward(self, data: dict, training: bool = False) -> dict:
        """Move the batch to the device and stack each entry of ``inputs``.

        Args:
            data (dict): ``inputs`` (dict key -> list of per-sample tensors)
                and ``data_samples``.
            training (bool): Unused (no batch augmentation).

        Returns:
            dict: ``inputs`` (dict key -> batched tensor) and
            ``data_samples``.

        Raises:
            TypeError: ``inputs`` is not a dict.
        """
        data = self.cast_data(data)
        inputs = data['inputs']
        if not isinstance(inputs, dict):
            raise TypeError('ViewsDataPreprocessor takes a dict of views as '
                            f'inputs, got {type(inputs).__name__}; pack them '
                            'with PackViews')
        batch: Dict[str, torch.Tensor] = {
            key: self._stack(key, values)
            for key, values in inputs.items()
        }
        return dict(inputs=batch, data_samples=data.get('data_samples'))
