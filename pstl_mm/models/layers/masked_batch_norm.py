"""Batch normalisation whose statistics count only kept joints."""
from typing import Tuple

import torch
import torch.nn as nn


def _masked_batch_norm(bn: nn.modules.batchnorm._BatchNorm, x: torch.Tensor,
                       weight: torch.Tensor, count: torch.Tensor,
                       dims: Tuple[int, ...]) -> torch.Tensor:
    """Batch-normalise ``x`` with statistics over weighted positions.

    Args:
        bn: The module whose affine parameters and running statistics apply.
        x (torch.Tensor): (N, C, ...) input.
        weight (torch.Tensor): 0/1 mask broadcastable to ``x``.
        count (torch.Tensor): Number of counted positions per channel, (C,)
            or a scalar.
        dims (tuple[int]): All dimensions but the channel one.

    Returns:
        torch.Tensor: normalised ``x`` (not multiplied by ``weight``).
    """
    shape = [1] * x.dim()
    shape[1] = -1
    mean = (x * weight).sum(dim=dims) / count
    centred = x - mean.view(shape)
    var = (centred * weight).square().sum(dim=dims) / count
    if bn.track_running_stats and bn.running_mean is not None:
        # Through ``.data``, like PyTorch's own kernels: the autograd graph
        # of an earlier plain BatchNorm call saved these buffers, and a
        # tracked in-place update would invalidate it.
        with torch.no_grad():
            bn.num_batches_tracked.data.add_(1)
            if bn.momentum is None:
                factor = 1.0 / float(bn.num_batches_tracked)
            else:
                factor = bn.momentum
            unbiased = var * (count / (count - 1).clamp(min=1))
            bn.running_mean.data.mul_(1 - factor).add_(factor * mean)
            bn.running_var.data.mul_(1 - factor).add_(factor * unbiased)
    out = centred * torch.rsqrt(var + bn.eps).view(shape)
    if bn.affine:
        out = out * bn.weight.view(shape) + bn.bias.view(shape)
    return out


_BatchNorm = nn.modules.batchnorm._BatchNorm


def masked_batch_norm_2d(bn: _BatchNorm, x: torch.Tensor,
                         keep: torch.Tensor) -> torch.Tensor:
    """Batch-normalise (N, C, T, V) ``x`` counting kept joints only.

    Works with the parameters and running statistics of any BatchNorm
    module (``BatchNorm2d``, or the ``SyncBatchNorm`` that MMEngine's
    ``sync_bn`` swaps in; the masked statistics are then those of the
    process).

    Args:
        bn (nn.Module): The BatchNorm whose affine parameters and running
            statistics apply.
        x (torch.Tensor): (N, C, T, V) features.
        keep (torch.Tensor): (N, 1, 1, V) float mask, 1 for a kept joint.

    Returns:
        torch.Tensor: (N, C, T, V), zero at removed joints.
    """
    if not (bn.training or bn.running_mean is None):
        return _BatchNorm.forward(bn, x) * keep
    # At least 2 kept positions: checked by MaskableSTGCN with its one
    # host synchronisation per mask, not here in every layer.
    count = keep.sum() * x.shape[2]
    return _masked_batch_norm(bn, x, keep, count, (0, 2, 3)) * keep


def masked_batch_norm_1d(bn: _BatchNorm, x: torch.Tensor,
                         keep: torch.Tensor) -> torch.Tensor:
    """Batch-normalise (N, C, T) ``x`` whose channels are absent per row.

    Args:
        bn (nn.Module): Any BatchNorm module (see
            :func:`masked_batch_norm_2d`).
        x (torch.Tensor): (N, C, T) input.
        keep (torch.Tensor): (N, C, 1) float mask, 1 where the channel is
            present in that row.

    Returns:
        torch.Tensor: (N, C, T) normalised input (not masked).
    """
    if not (bn.training or bn.running_mean is None):
        return _BatchNorm.forward(bn, x)
    rows = keep.sum(dim=(0, 2))
    keep = torch.where(rows[None, :, None] > 0, keep, torch.ones_like(keep))
    count = keep.sum(dim=(0, 2)) * x.shape[2]
    return _masked_batch_norm(bn, x, keep, count, (0, 2))


def data_bn_rows(present: torch.Tensor, num_person: int, num_channels: int,
                 data_bn_type: str) -> torch.Tensor:
    """The mask of a skeleton encoder's ``data_bn`` input for
    :func:`masked_batch_norm_1d`.

    Args:
        present (torch.Tensor): (N, V) float, 1 for a kept joint.
        num_person (int): Persons M.
        num_channels (int): Coordinates per joint C.
        data_bn_type (str): ``'VC'`` (rows N*M, channels v*C + c) or
            ``'MVC'`` (rows N, channels (m*V + v)*C + c).

    Returns:
        torch.Tensor: (N*M, V*C, 1) for ``'VC'``, (N, M*V*C, 1) for
        ``'MVC'``.
    """
    if data_bn_type == 'VC':
        rows = present.repeat_interleave(num_person, dim=0).repeat_interleave(
            num_channels, dim=1)
    else:
        rows = present.repeat_interleave(num_channels, dim=1).repeat(
            1, num_person)
    return rows[..., None]
