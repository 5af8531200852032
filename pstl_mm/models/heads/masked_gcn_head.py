"""MMAction2's GCNHead, pooling over the kept joints only."""
from typing import Optional

import torch
from mmaction.models.heads import GCNHead
from mmaction.registry import MODELS

from ..backbones.skeleton_encoder import pool_kept_joints


@MODELS.register_module()
class MaskedGCNHead(GCNHead):
    """``GCNHead`` that averages over kept joints (``SkeletonEncoder.pool``).

    Given ``joint_mask`` ((N, V) bool, True = removed; handed over by
    :class:`~pstl_mm.models.MaskedRecognizerGCN` as a head kwarg), the
    features are averaged over time and the kept joints, then over
    persons, exactly as the encoder pools them in pretraining; without it
    this is ``GCNHead``. Its parameters are ``GCNHead``'s (``fc``), so a
    ``GCNHead`` checkpoint loads unchanged.
    """

    def forward(self,
                x: torch.Tensor,
                joint_mask: Optional[torch.Tensor] = None,
                **kwargs) -> torch.Tensor:
        """Class scores.

        Args:
            x (torch.Tensor): (N, M, C, T, V) backbone features, zero at
                removed joints.
            joint_mask (torch.Tensor, optional): (N, V) or (V,) bool, True
                = removed.

        Returns:
            torch.Tensor: (N, num_classes) scores.
        """
        if joint_mask is None:
            return super().forward(x, **kwargs)
        pooled = pool_kept_joints(x, joint_mask)  # N, C
        if self.dropout is not None:
            pooled = self.dropout(pooled)
        return self.fc(pooled)
