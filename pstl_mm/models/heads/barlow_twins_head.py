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


class _GatherRows(torch.autograd.Function):
    """Rows of every rank, in rank order; gradients summed back.

    Every rank computes the same loss of the gathered rows, so the gradient
    of a rank's own rows is the sum over ranks of each rank's gradient of
    them (as the all-reduced sums of :func:`_all_reduce_sum` give). Ranks
    may hold different numbers of rows.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        world = get_world_size()
        count = torch.tensor([x.shape[0]], device=x.device)
        counts = [torch.zeros_like(count) for _ in range(world)]
        dist.all_gather(counts, count)
        counts = [int(c) for c in counts]
        padded = x.new_zeros((max(counts), ) + tuple(x.shape[1:]))
        padded[:x.shape[0]] = x
        parts = [torch.empty_like(padded) for _ in range(world)]
        dist.all_gather(parts, padded.contiguous())
        rank = dist.get_rank()
        ctx.rows = (sum(counts[:rank]), counts[rank])
        return torch.cat([p[:c] for p, c in zip(parts, counts)])

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        grad = grad.contiguous().clone()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        start, count = ctx.rows
        return grad[start:start + count]


def _gather_rows(x: torch.Tensor) -> torch.Tensor:
    """(N_local, D) -> (N_global, D), differentiable (identity when not
    distributed)."""
    if not is_distributed() or get_world_size() == 1:
        return x
    return _GatherRows.apply(x)


def redundancy_reduction(a: torch.Tensor, b: torch.Tensor,
                         lambd: float) -> torch.Tensor:
    """``sum_i (1 - C_ii)^2 + lambd * sum_{i != j} C_ij^2`` of
    ``C = a^T b``, without forming the (D, D) matrix ``C``.

    ``C_ii = sum_n a_ni b_ni`` and ``sum_ij C_ij^2 = ||a^T b||_F^2 =
    sum((a a^T) * (b b^T))``: two (N, N) Gram matrices instead of a
    (D, D) product, N^2 D multiply-adds instead of N D^2 (48x fewer at
    N = 128, D = 6144), and no D x D tensor in forward or backward.

    Args:
        a (torch.Tensor): (N, D), the first view's standardised embeddings
            divided by the batch size.
        b (torch.Tensor): (N, D), the second view's standardised
            embeddings.
        lambd (float): Weight of the off-diagonal sum.

    Returns:
        torch.Tensor: Scalar loss, in the inputs' dtype.
    """
    diag = (a * b).sum(dim=0)
    frobenius = ((a @ a.T) * (b @ b.T)).sum()
    return (1 - diag).square().sum() + lambd * (
        frobenius - diag.square().sum())


@MODELS.register_module()
class BarlowTwinsHead(BaseModule):
    """Barlow Twins loss between two views.

    Each view is standardised per dimension over the batch (BatchNorm1d
    without affine parameters, batch statistics), then
    ``C = z1n^T z2n / N`` (D x D) and
    ``L = sum_i (1 - C_ii)^2 + lambd * sum_i sum_{j != i} C_ij^2``.

    The loss is computed without the (D, D) matrix (see
    :func:`redundancy_reduction`), in float64: its (N, N) Gram matrices
    cost little, and the loss is then exact to float32's rounding whatever
    the batch and width.

    Under data-parallel training the statistics and ``C`` are those of the
    global batch: the standardisation's sums are all-reduced
    (differentiably) over the ranks, and the standardised rows of every
    rank gathered (their gradients summed back), so ``k`` ranks with
    ``N / k`` samples each give the loss of one process with ``N``, and
    (after DDP averages the gradients) its gradients.

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
        """Cross-correlation matrix of the global batch (for inspection:
        :meth:`loss` never forms it).

        Args:
            z1 (torch.Tensor): (N_local, D) embeddings of view 1.
            z2 (torch.Tensor): (N_local, D) embeddings of view 2.

        Returns:
            torch.Tensor: (D, D) matrix ``C``.
        """
        self._check(z1, z2)
        z1n, n = _global_standardise(z1, self.eps)
        z2n, _ = _global_standardise(z2, self.eps)
        return _all_reduce_sum((z1n / n).T @ z2n)

    def _check(self, z1: torch.Tensor, z2: torch.Tensor) -> None:
        if z1.shape != z2.shape or z1.dim() != 2:
            raise ValueError('BarlowTwinsHead expects two (N, D) embeddings '
                             f'of one shape, got {tuple(z1.shape)} and '
                             f'{tuple(z2.shape)}')

    def loss(self, z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
        """Barlow Twins loss of two views.

        Args:
            z1 (torch.Tensor): (N_local, D) embeddings of view 1.
            z2 (torch.Tensor): (N_local, D) embeddings of view 2.

        Returns:
            torch.Tensor: scalar loss in the embeddings' dtype, float32 for
            bf16 or fp16 ones.

        The standardisation runs in float32 (float64 for float64
        embeddings), the loss in float64, both with autocast off: under
        bf16 or fp16 autocast the embeddings are upcast, so the loss and
        its gradient do not carry the low precision (a bf16 (D, D) product
        was ~1e-3 off the exact loss and ~1e-2 off its gradient).
        """
        self._check(z1, z2)
        dtype = torch.promote_types(z1.dtype, torch.float32)
        with torch.autocast(z1.device.type, enabled=False):
            z1n, n = _global_standardise(z1.to(dtype), self.eps)
            z2n, _ = _global_standardise(z2.to(dtype), self.eps)
            a = _gather_rows(z1n / n).double()
            b = _gather_rows(z2n).double()
            loss = redundancy_reduction(a, b, self.lambd)
        return (self.loss_weight * loss).to(dtype)
