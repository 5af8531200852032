"""MMAction2's RecognizerGCN, able to drop joints sample by sample."""
import functools
import inspect
from typing import List, Optional, Tuple

import numpy as np
import torch
from mmaction.models.recognizers import RecognizerGCN
from mmaction.registry import MODELS
from mmaction.utils import SampleList


@functools.lru_cache(maxsize=None)
def _forward_takes_mask(cls: type) -> bool:
    """Whether ``cls.forward`` names a ``joint_mask`` argument (once per
    class, not per batch)."""
    return 'joint_mask' in inspect.signature(cls.forward).parameters


@MODELS.register_module()
class MaskedRecognizerGCN(RecognizerGCN):
    """RecognizerGCN that passes the samples' joint masks to backbone and head.

    When a data sample carries a ``joint_mask`` field (a (V,) bool array,
    True = removed, e.g. from
    :class:`~pstl_mm.datasets.transforms.PartialBodyOcclusion` in
    ``'drop'`` mode, packed by MMAction2's
    ``PackActionInputs(algorithm_keys=('joint_mask', ))``), the backbone is
    called as ``backbone(x, joint_mask)`` with the (N, V) masks of the batch
    (samples without one keep every joint), and the same masks go to the
    head as ``joint_mask`` through MMAction2's ``loss_predict_kwargs``;
    :class:`~pstl_mm.models.MaskedGCNHead` then pools over the kept joints
    with ``MaskableSTGCN.pool``.

    Without masks (or in ``mode='tensor'``, which has no data samples) it is
    exactly :class:`~mmaction.models.RecognizerGCN`.
    """

    @staticmethod
    def _takes_mask(module: torch.nn.Module) -> bool:
        """Whether ``module.forward`` names a ``joint_mask`` argument."""
        return _forward_takes_mask(type(module))

    def joint_masks(self, data_samples: Optional[SampleList],
                    num_joints: int,
                    device: torch.device) -> Optional[torch.Tensor]:
        """Collect the joint masks of a batch.

        Args:
            data_samples (list[ActionDataSample], optional): The batch.
            num_joints (int): V.
            device (torch.device): Device of the returned tensor.

        Returns:
            torch.Tensor | None: (N, V) bool, True = removed; ``None`` when
            no sample carries ``joint_mask``.

        Raises:
            ValueError: A mask is not (V,), or the backbone or head takes no
                mask.
        """
        if not data_samples:
            return None
        masks: List[Optional[np.ndarray]] = [
            sample.get('joint_mask') for sample in data_samples
        ]
        if all(mask is None for mask in masks):
            return None
        parts = (self.backbone, getattr(self, 'cls_head', None))
        for part in parts:
            if part is not None and not self._takes_mask(part):
                raise ValueError(
                    'MaskedRecognizerGCN: the data samples carry joint_mask '
                    f'but {type(part).__name__} takes no joint_mask argument; '
                    'use MaskableSTGCN and MaskedGCNHead')
        rows = []
        for i, mask in enumerate(masks):
            if mask is None:
                rows.append(torch.zeros(num_joints, dtype=torch.bool))
                continue
            mask = torch.as_tensor(np.asarray(mask)).to(torch.bool)
            if tuple(mask.shape) != (num_joints, ):
                raise ValueError(
                    f'MaskedRecognizerGCN: joint_mask of sample {i} has '
                    f'shape {tuple(mask.shape)}, expected (V,) = '
                    f'({num_joints},)')
            rows.append(mask)
        return torch.stack(rows).to(device)

    def extract_feat(self,
                     inputs: torch.Tensor,
                     stage: str = 'backbone',
                     data_samples: Optional[SampleList] = None,
                     **kwargs) -> Tuple:
        """Extract features at the given stage.

        Args:
            inputs (torch.Tensor): (N, num_clips, M, T, V, C) skeletons.
            stage (str): ``'backbone'`` or ``'head'``.
                Defaults to ``'backbone'``.
            data_samples (list[ActionDataSample], optional): The batch; its
                ``joint_mask`` fields, where present, remove joints.

        Returns:
            tuple: The features ((N * num_clips, M, C', T', V) for
            ``'backbone'``, zero at removed joints; (N * num_clips,
            num_classes) scores for ``'head'``) and the kwargs for the head
            (``joint_mask`` (N * num_clips, V) where the batch has masks).
        """
        loss_predict_kwargs = dict()
        bs, nc = inputs.shape[:2]
        inputs = inputs.reshape((bs * nc, ) + inputs.shape[2:])
        mask = self.joint_masks(data_samples, inputs.shape[-2],
                                inputs.device)
        if mask is None:
            x = self.backbone(inputs)
        else:
            mask = mask.repeat_interleave(nc, dim=0)  # N * num_clips, V
            x = self.backbone(inputs, joint_mask=mask)
            loss_predict_kwargs['joint_mask'] = mask

        if stage == 'backbone':
            return x, loss_predict_kwargs
        if self.with_cls_head and stage == 'head':
            x = self.cls_head(x, **loss_predict_kwargs)
            return x, loss_predict_kwargs
        raise ValueError(f'MaskedRecognizerGCN: unknown stage {stage!r}; '
                         "expected 'backbone' or 'head' (with a cls_head)")

    def predict(self, inputs: torch.Tensor, data_samples: SampleList,
                **kwargs) -> SampleList:
        """Predict the batch, removing the joints its masks name.

        Args:
            inputs (torch.Tensor): (N, num_clips, M, T, V, C) skeletons.
            data_samples (list[ActionDataSample]): The batch.

        Returns:
            list[ActionDataSample]: ``data_samples`` with ``pred_score``
            (num_classes,) set.
        """
        feats, predict_kwargs = self.extract_feat(
            inputs, test_mode=True, data_samples=data_samples)
        return self.cls_head.predict(feats, data_samples, **predict_kwargs)
