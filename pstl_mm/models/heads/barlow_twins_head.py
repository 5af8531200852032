"""Barlow Twins redundancy-reduction loss over the global batch."""
from typing import Tuple

import torch
import torch.distributed as dist
from mmaction.registry import MODELS
from mmengine.dist import get_world_size, is_distributed
from mmengine.model import BaseModule


def _all_reduce_sum(x: torch.Tensor) -> torch.Tensor:
    """Differentiable sum over all ranks (identity when not distributed)."""
    if not is_distributed() or get_world_size() == 1:
        return x
    from torch.distributed.nn.functional import all_reduce
    return all_reduce(x, op=dist.ReduceOp.SUM)


def _global_standardise(z: torch.Tensor, eps: float
                        ) -> Tuple[torch.Tensor, torch.Tensor]:
    """BatchNorm without affine parameters, with global-batch statistics.

    Args:
        z (torch.Tensor): (N_local, D) embeddings of this rank.
        eps (float): Added to the variance.

    Returns:
        tuple: (N_local, D) standardised ``z`` and the global batch size.
    """
    n = _all_reduce_sum(z.new_tensor(float(z.shape[0])))
    mean = _all_reduce_sum(z.sum(dim=0)) / n
    centred = z - mean
    var = _all_reduce_sum(centred.square().sum(dim=0)) / n
    return centred * torch.rsqrt(var + eps), n


class _RedundancyReduction(torch.autograd.Function):
    """``sum_i (1 - C_ii)^2 + lambd * sum_{i != j} C_ij^2`` of a (D, D) C.

    Written out so that forward allocates nothing of size D x D and
    backward exactly one (the gradient), instead of the squared copies,
    off-diagonal gathers and zero-filled diagonal gradients of the
    elementwise formulation.
    """

    @staticmethod
    def forward(ctx, c: torch.Tensor, lambd: float) -> torch.Tensor:
        ctx.save_for_backward(c)
        ctx.lambd = lambd
        diag = torch.diagonal(c)
        # Row blocks keep the temporary small; torch's pairwise sum keeps
        # the fp32 total accurate (a single dot product or vector norm
        # loses ~1e-4 of it at D = 6144).
        squares = torch.stack(
            [part.square().sum() for part in c.split(512)]).sum()
        off_diag = squares - diag.square().sum()
        return (1 - diag).square().sum() + lambd * off_diag

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        c, = ctx.saved_tensors
        grad_c = c * (2 * ctx.lambd * grad)
        torch.diagonal(grad_c).copy_((torch.diagonal(c) - 1) * (2 * grad))
        return grad_c, None


@MODELS.register_module()
class BarlowTwinsHead(BaseModule):
    """Barlow Twins loss between two views.

    Each view is standardised per dimension over the batch (BatchNorm1d
    without affine parameters, batch statistics), then
    ``C = z1n^T z2n / N`` (D x D) and
    ``L = sum_i (1 - C_ii)^2 + lambd * sum_i sum_{j != i} C_ij^2``.

    Under data-parallel training the statistics and ``C`` are those of the
    global batch: sums are all-reduced (differentiably) over the ranks and
    divided by the global batch size, so ``k`` ranks with ``N / k`` samples
    each give the loss of one process with ``N``, and (after DDP averages
    the gradients) its gradients.

    Args:
        lambd (float): Weight of the off-diagonal term. Defaults to 2e-4.
        eps (float): Variance epsilon of the standardisation.
            Defaults to 1e-5 (BatchNorm1d's).
        loss_weight (float): Factor on the loss. Defaults to 1.
    """

    def __init__(self,
                 lambd: float = 2e-4,
                 eps: float = 1e-5,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.lambd = lambd
        self.eps = eps
        self.loss_weight = loss_weight

    def cross_correlation(self, z1: torch.Tensor,
                          z2: torch.Tensor) -> torch.Tensor:
        """Cross-correlation matrix of the global batch.

        Args:
            z1 (torch.Tensor): (N_local, D) embeddings of view 1.
            z2 (torch.Tensor): (N_local, D) embeddings of view 2.

        Returns:
            torch.Tensor: (D, D) matrix ``C``.
        """
        if z1.shape != z2.shape or z1.dim() != 2:
            raise ValueError('BarlowTwinsHead expects two (N, D) embeddings '
                             f'of one shape, got {tuple(z1.shape)} and '
                             f'{tuple(z2.shape)}')
        z1n, n = _global_standardise(z1, self.eps)
        z2n, _ = _global_standardise(z2, self.eps)
        # Dividing the (N, D) factor, not the (D, D) product, saves a pass.
        return _all_reduce_sum((z1n / n).T @ z2n)

    def loss(self, z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
        """Barlow Twins loss of two views.

        Args:
            z1 (torch.Tensor): (N_local, D) embeddings of view 1.
            z2 (torch.Tensor): (N_local, D) embeddings of view 2.

        Returns:
            torch.Tensor: scalar float32 loss (float64 for float64 inputs).

        Under autocast (bf16 or fp16) the standardisation, the
        cross-correlation and the loss run in float32 on the upcast
        embeddings, with autocast off: a bf16 (D, D) product over the batch
        would be ~1e-3 off the exact loss and ~1e-2 off its gradient.
        """
        dtype = torch.promote_types(z1.dtype, torch.float32)
        with torch.autocast(z1.device.type, enabled=False):
            c = self.cross_correlation(z1.to(dtype), z2.to(dtype))
            return self.loss_weight * _RedundancyReduction.apply(
                c, self.lambd)
