"""Batch normalisation whose statistics count only kept joints."""
from typing import Optional

import torch
import torch.nn as nn


class MaskedBatchNorm2d(nn.BatchNorm2d):
    """``BatchNorm2d`` over (N, C, T, V) that ignores removed joints.

    With ``keep=None`` it is exactly :class:`torch.nn.BatchNorm2d`. With a
    joint mask, batch statistics (train mode) are computed over the kept
    positions only, so that for a mask shared by the batch the result equals
    batch normalisation of the input sliced to the kept joints; the running
    statistics are updated the same way (unbiased variance over the kept
    count). Removed joints are zero in the output.

    Same parameters and state-dict keys as :class:`torch.nn.BatchNorm2d`.
    """

    def forward(self,
                x: torch.Tensor,
                keep: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Normalise ``x``.

        Args:
            x (torch.Tensor): (N, C, T, V) features.
            keep (torch.Tensor, optional): (N, 1, 1, V) float mask, 1 for a
                kept joint and 0 for a removed one. ``None`` keeps all.

        Returns:
            torch.Tensor: (N, C, T, V), zero at removed joints.
        """
        if keep is None:
            return super().forward(x)
        use_batch_stats = self.training or self.running_mean is None
        if not use_batch_stats:
            return super().forward(x) * keep
        self._check_input_dim(x)
        count = keep.sum() * x.shape[2]
        if count.item() < 2:
            raise ValueError('MaskedBatchNorm2d needs at least 2 kept '
                             'positions in the batch to compute statistics')
        mean = (x * keep).sum(dim=(0, 2, 3)) / count
        centred = (x - mean[None, :, None, None]) * keep
        var = centred.square().sum(dim=(0, 2, 3)) / count
        if self.track_running_stats and self.running_mean is not None:
            with torch.no_grad():
                self.num_batches_tracked.add_(1)
                if self.momentum is None:
                    factor = 1.0 / float(self.num_batches_tracked)
                else:
                    factor = self.momentum
                unbiased = var * (count / (count - 1))
                self.running_mean.mul_(1 - factor).add_(factor * mean)
                self.running_var.mul_(1 - factor).add_(factor * unbiased)
        out = centred * torch.rsqrt(var + self.eps)[None, :, None, None]
        if self.affine:
            out = out * self.weight[None, :, None, None] + \
                self.bias[None, :, None, None]
        return out * keep

