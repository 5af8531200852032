"""ST-GCN's graph convolution, channels-last and aggregation first."""
from typing import Optional

import torch


class _AggregateProject(torch.autograd.Function):
    """``(A_rows @ x) @ weight`` per frame, keeping only ``x`` for backward.

    Forward: ``xa = bmm(a_rows, x)`` with the (W*K, V) adjacency of each
    frame, then ``xa`` viewed as (F*W, K*C_in) times ``weight``, plus the
    bias term of each adjacency added in place (in place on the function's
    own output: autograd copies nothing for it, as it would for an in-place
    add on a view of an output it tracks). Backward
    recomputes ``xa`` (one batched product, cheap next to the channel
    contraction) instead of keeping it: ``xa`` is K times the size of
    ``x``, while ``x``, the block's input, is kept anyway (by the ReLU that
    produced it).
    """

    @staticmethod
    @torch.amp.custom_fwd(device_type='cuda')
    def forward(ctx, x: torch.Tensor, a: torch.Tensor, weight: torch.Tensor,
                term: Optional[torch.Tensor]) -> torch.Tensor:
        """``x`` (F, V, C_in); ``a`` (W*K, V) or (N, W*K, V), sample ``n``
        owning frames ``n*F/N`` to ``(n+1)*F/N``; ``weight`` (K*C_in,
        C_out); ``term`` (N_a, 1, W, C_out) bias term per adjacency (N_a
        = 1 or N) or ``None``. Returns (F*W, C_out)."""
        xa = torch.bmm(_per_frame(a, x.shape[0]), x)
        ctx.save_for_backward(x, a, weight)
        # The dtype autocast chose (bf16 under CPU autocast, which these
        # decorators do not cover): backward computes in it too, with or
        # without autocast around it.
        ctx.dtype = xa.dtype
        y = xa.view(-1, weight.shape[0]).mm(weight.to(xa.dtype))
        del xa
        ctx.term_shape = None
        if term is not None:
            ctx.term_shape = term.shape
            ctx.term_dtype = term.dtype
            y.view(term.shape[0], -1, *term.shape[2:]).add_(term)
        return y

    @staticmethod
    @torch.amp.custom_bwd(device_type='cuda')
    def backward(ctx, grad: torch.Tensor):
        x, a, weight = (t.to(ctx.dtype) for t in ctx.saved_tensors)
        grad = grad.to(ctx.dtype)
        f, v, c_in = x.shape
        a_frames = _per_frame(a, f)
        grad_x = grad_a = grad_w = grad_term = None
        if ctx.term_shape is not None and ctx.needs_input_grad[3]:
            # What autograd's broadcasting add would give the term.
            n_adj, _, w, c_out = ctx.term_shape
            grad_term = grad.view(n_adj, -1, w, c_out).sum_to_size(
                ctx.term_shape).to(ctx.term_dtype)
        if ctx.needs_input_grad[2]:
            xa = torch.bmm(a_frames, x).view(-1, weight.shape[0])
            grad_w = xa.t().mm(grad)
            del xa
        if ctx.needs_input_grad[0] or ctx.needs_input_grad[1]:
            grad_xa = grad.mm(weight.t()).view(f, -1, c_in)
            if ctx.needs_input_grad[0]:
                grad_x = torch.bmm(a_frames.transpose(1, 2), grad_xa)
            if ctx.needs_input_grad[1]:
                per_frame = torch.bmm(grad_xa, x.transpose(1, 2))  # F, W*K, V
                if a.dim() == 2:
                    grad_a = per_frame.sum(0)
                else:
                    grad_a = per_frame.view(a.shape[0], -1,
                                            *a.shape[1:]).sum(1)
        return grad_x, grad_a, grad_w, grad_term


def _per_frame(a: torch.Tensor, frames: int) -> torch.Tensor:
    """(W*K, V) or (N, W*K, V) adjacency as (frames, W*K, V), broadcast
    (no copy) when shared, repeated per frame of each sample otherwise."""
    if a.dim() == 2:
        return a.expand(frames, *a.shape)
    n = a.shape[0]
    return a[:, None].expand(n, frames // n, *a.shape[1:]).reshape(
        frames, *a.shape[1:])


def graph_conv(x: torch.Tensor, A: torch.Tensor, weight: torch.Tensor,
               bias: Optional[torch.Tensor]) -> torch.Tensor:
    """``sum_k (W_k x + b_k) A_k``: ST-GCN's graph convolution.

    Computed channels-last and aggregation first: with ``x`` laid out as
    (N*M*T, V, C_in), a batched product with the (W*K, V) adjacency (one per
    frame, broadcast) gives the (N*M*T, W, K*C_in) aggregate, whose rows one
    matrix product contracts with the (K*C_in, C_out) weight into the
    (N*M, T, W, C_out) output; the bias enters as
    ``sum_k b_k * colsum(A_k)``. Equal to the convolution-first order of the
    authors up to rounding, with fewer FLOPs (C_in <= C_out), no copy of a
    channels-last input or of any product, and nothing but ``x`` (already
    kept by the layer that made it) and the adjacency kept for backward,
    which recomputes the aggregate. A per-sample adjacency is repeated for
    each of the sample's frames (N*M*T*W*K*V entries).

    Args:
        x (torch.Tensor): (N*M, C_in, T, V), any memory format
            (channels-last costs no copy).
        A (torch.Tensor): (K, V, W) adjacency shared by the batch, or
            (N, K, V, W) one per sample (shared by its M persons).
        weight (torch.Tensor): (K*C_out, C_in, 1, 1) convolution weight,
            output channel ``k*C_out + c`` belonging to subset ``k``.
        bias (torch.Tensor, optional): (K*C_out,) convolution bias.

    Returns:
        torch.Tensor: (N*M, C_out, T, W) in channels-last memory format.
    """
    nm, c_in, t, v = x.shape
    k, w = A.shape[-3], A.shape[-1]
    x = x.permute(0, 2, 3, 1).contiguous()  # N*M, T, V, C_in
    # (K*C_in, C_out), row k*C_in + i = W_k[:, i].
    weight = weight.view(k, -1, c_in).transpose(1, 2).reshape(k * c_in, -1)
    c_out = weight.shape[1]
    if A.dim() == 3:
        # Row w*K + k of the (W*K, V) adjacency is A_k[:, w].
        a_rows = A.permute(2, 0, 1).reshape(w * k, v)
        col = A.sum(dim=1).t()  # W, K
    else:
        a_rows = A.permute(0, 3, 1, 2).reshape(A.shape[0], w * k, v)
        col = A.sum(dim=2).transpose(1, 2)  # N, W, K
    term = None
    if bias is not None:
        # One (W, C_out) term per adjacency: the batch's or each sample's.
        n_adj = A.shape[0] if A.dim() == 4 else 1
        term = (col @ bias.view(k, c_out)).view(n_adj, 1, w, c_out)
    y = _AggregateProject.apply(x.view(nm * t, v, c_in), a_rows, weight,
                                term)
    return y.view(nm, t, w, c_out).permute(0, 3, 1, 2)
