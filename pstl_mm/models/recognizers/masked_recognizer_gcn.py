"""MMAction2's RecognizerGCN, able to drop joints sample by sample."""
from typing import Dict, Optional, Tuple

import torch
from mmaction.models.recognizers import RecognizerGCN
from mmaction.registry import MODELS
from mmaction.utils import SampleList

from ...structures import JOINT_MASK, batch_joint_masks, mask_arguments


@MODELS.register_module()
class MaskedRecognizerGCN(RecognizerGCN):
    """RecognizerGCN that passes the samples' joint masks to backbone and head.

    When a data sample carries a ``joint_mask`` field (a (V,) bool array,
    True = removed, e.g. from
    :class:`~pstl_mm.datasets.transforms.PartialBodyOcclusion` in
    ``'drop'`` mode, packed by MMAction2's
    ``PackActionInputs(algorithm_keys=('joint_mask', ))``), the backbone is
    called as ``backbone(x, joint_mask=..., kept_joints=...)`` with the
    (N, V) masks of the batch (samples without one keep every joint) and
    their ``kept_joints``, worked out on the host
    (:func:`~pstl_mm.structures.batch_joint_masks`, see
    :class:`~pstl_mm.models.MaskableSTGCN`), and the same masks go to the
    head as ``joint_mask`` through MMAction2's ``loss_predict_kwargs``;
    :class:`~pstl_mm.models.MaskedGCNHead` then pools over the kept joints
    with ``SkeletonEncoder.pool``.

    Without masks (or in ``mode='tensor'``, which has no data samples) it is
    exactly :class:`~mmaction.models.RecognizerGCN`.
    """

    def joint_masks(self,
                    data_samples: Optional[SampleList],
                    num_joints: int,
                    num_clips: int = 1,
                    device: Optional[torch.device] = None
                    ) -> Optional[Dict]:
        """The batch's masks as the encoder's mask arguments.

        Args:
            data_samples (list[ActionDataSample], optional): The batch.
            num_joints (int): V.
            num_clips (int): Clips per sample; each clip gets its sample's
                mask.
            device (torch.device, optional): Where the result goes.

        Returns:
            dict | None: ``joint_mask`` (N * num_clips, V) bool, True =
            removed, and its ``kept_joints``; ``None`` when no sample
            carries ``joint_mask``.

        Raises:
            ValueError: A mask is not (V,), naming the sample.
        """
        if not data_samples:
            return None
        masks = [
            sample.get(JOINT_MASK) for sample in data_samples
            for _ in range(num_clips)
        ]
        return batch_joint_masks(masks, num_joints,
                                 'MaskedRecognizerGCN: joint_mask', device)

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
        masks = self.joint_masks(data_samples, inputs.shape[-2], nc,
                                 inputs.device)
        if masks is None:
            x = self.backbone(inputs)
        else:
            # The one place where the samples' masks become the backbone's
            # and the head's arguments.
            where = 'MaskedRecognizerGCN (data samples)'
            if self.with_cls_head:
                loss_predict_kwargs.update(
                    mask_arguments(self.cls_head, 'forward',
                                   {JOINT_MASK: masks[JOINT_MASK]}, where))
            x = self.backbone(
                inputs,
                **mask_arguments(self.backbone, 'forward', masks, where))

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
