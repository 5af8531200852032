"""The one contract every encoder of the package fulfils."""
from typing import Optional

import torch
from mmengine.model import BaseModule

from ...skeleton import SkeletonLayout


def pool_kept_joints(features: torch.Tensor,
                     joint_mask: Optional[torch.Tensor] = None
                     ) -> torch.Tensor:
    """Average features over time and kept joints, then over persons.

    Args:
        features (torch.Tensor): (N, M, C, T, V) encoder output, zero at
            removed joints.
        joint_mask (torch.Tensor, optional): (N, V) or (V,) bool, True for
            a removed joint, as given to the encoder.

    Returns:
        torch.Tensor: (N, C) features.
    """
    n, m, c, t, v = features.shape
    if joint_mask is None:
        return features.mean(dim=(3, 4)).mean(dim=1)
    kept = (~joint_mask).to(features.dtype).expand(n, v).sum(dim=1)
    summed = features.sum(dim=(3, 4))  # removed joints are zero
    return (summed / (kept[:, None, None] * t)).mean(dim=1)


class SkeletonEncoder(BaseModule):
    """What :class:`~pstl_mm.models.PSTL`, the recognizers, heads, kNN and
    feature extraction and :mod:`pstl_mm.apis` expect of an encoder.

    An encoder takes (N, M, T, V, C) skeletons and an optional joint mask,
    and takes the removed joints out of its computation (exactly or, where
    the architecture does not allow it, approximately: its docs say which):

    * :meth:`forward` ``(x, joint_mask=None)`` -> (N, M, C_out, T', V)
      features, zero at removed joints;
    * :meth:`pool` ``(features, joint_mask=None)`` -> (N, C_out): the mean
      over kept joints and frames, then over persons;
    * :meth:`forward_pooled` ``(x, joint_mask=None)``: both at once (an
      encoder may do it more cheaply);
    * attributes ``layout`` (:class:`~pstl_mm.skeleton.SkeletonLayout`),
      ``in_channels`` (C), ``num_person`` (M), ``out_channels`` (C_out);
    * ``frozen``: no parameter requires grad and the encoder stays in eval
      mode (BatchNorm statistics, dropout) even after ``train()`` — the
      linear protocol's encoder; :meth:`freeze` sets it after building.

    ``joint_mask`` is (N, V) or (V,) bool, True for a removed joint. An
    encoder may take more keyword arguments (``MaskableSTGCN`` takes the
    mask's ``kept_joints``); callers pass them through
    :func:`pstl_mm.structures.mask_arguments`, which gives only what the
    method takes.

    Subclasses set the four attributes and ``frozen`` in ``__init__`` (call
    :meth:`freeze` at its end when ``frozen``) and implement ``forward``
    (``nn.Module`` refuses a module without one).
    """

    layout: SkeletonLayout
    in_channels: int
    num_person: int
    out_channels: int
    frozen: bool = False

    def check_inputs(self, x: torch.Tensor,
                     joint_mask: Optional[torch.Tensor],
                     data_bn_type: str = 'VC') -> Optional[torch.Tensor]:
        """Validate the inputs of :meth:`forward`.

        Args:
            x (torch.Tensor): (N, M, T, V, C) coordinates.
            joint_mask (torch.Tensor, optional): (N, V) or (V,) bool.
            data_bn_type (str): The encoder's input normalisation; ``'MVC'``
                needs exactly ``num_person`` persons.

        Returns:
            torch.Tensor | None: The (N, V) bool mask, or ``None``.

        Raises:
            ValueError: Another rank, joint count, channel count or person
                count (for ``'MVC'``), a mask that is not bool or of another
                shape; the message names the encoder and the shapes.
        """
        name = type(self).__name__
        if x.dim() != 5:
            raise ValueError(f'{name} expects x of shape (N, M, T, V, C), got '
                             f'a tensor of rank {x.dim()} with shape '
                             f'{tuple(x.shape)}')
        n, m, t, v, c = x.shape
        if v != self.layout.num_joints:
            raise ValueError(
                f'{name}: x has V={v} joints but layout '
                f'{self.layout.name!r} has {self.layout.num_joints} '
                f'(x shape {tuple(x.shape)}, expected (N, M, T, V, C))')
        if c != self.in_channels:
            raise ValueError(f'{name}: x has C={c} channels, expected '
                             f'{self.in_channels} (x shape {tuple(x.shape)})')
        if data_bn_type == 'MVC' and m != self.num_person:
            raise ValueError(f'{name}: x has M={m} persons, expected '
                             f'{self.num_person} for data_bn_type="MVC"')
        if joint_mask is None:
            return None
        if joint_mask.dtype != torch.bool:
            raise ValueError(f'{name}: joint_mask must be a bool tensor '
                             f'(True = removed), got dtype {joint_mask.dtype}')
        if joint_mask.shape == (v, ):
            joint_mask = joint_mask.expand(n, v)
        if tuple(joint_mask.shape) != (n, v):
            raise ValueError(
                f'{name}: joint_mask must have shape (N, V) = '
                f'{(n, v)} or (V,), got {tuple(joint_mask.shape)}')
        return joint_mask

    def forward_pooled(self, x: torch.Tensor,
                       joint_mask: Optional[torch.Tensor] = None
                       ) -> torch.Tensor:
        """``pool(forward(x, joint_mask), joint_mask)``.

        Args:
            x (torch.Tensor): (N, M, T, V, C) coordinates.
            joint_mask (torch.Tensor, optional): (N, V) or (V,) bool, True
                for a removed joint.

        Returns:
            torch.Tensor: (N, C_out) features.
        """
        return self.pool(self.forward(x, joint_mask), joint_mask)

    pool = staticmethod(pool_kept_joints)

    def freeze(self) -> 'SkeletonEncoder':
        """No gradients, eval mode from now on (the linear protocol)."""
        self.frozen = True
        self.requires_grad_(False)
        return self.train(self.training)

    def train(self, mode: bool = True) -> 'SkeletonEncoder':
        """Set train mode; a frozen encoder always stays in eval mode."""
        super().train(mode and not self.frozen)
        return self
