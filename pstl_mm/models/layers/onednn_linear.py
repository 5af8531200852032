"""A linear layer whose float32 CPU products go through oneDNN."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def _onednn_linear(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """``x @ weight.T`` by oneDNN's inner product (torch's own CPU op)."""
    return torch.ops.mkldnn._linear_pointwise(x, weight, None, 'none', [],
                                              '')


class _OneDNNLinear(torch.autograd.Function):
    """``x @ weight.T`` whose forward and input gradient run in oneDNN; the
    weight gradient stays torch's product (no faster there)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x, weight)
        return _onednn_linear(x, weight)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        x, weight = ctx.saved_tensors
        grad_x = grad_w = None
        if ctx.needs_input_grad[0]:
            grad_x = _onednn_linear(grad, weight.t())
        if ctx.needs_input_grad[1]:
            grad_w = grad.t().mm(x)
        return grad_x, grad_w


def _use_onednn(x: torch.Tensor, weight: torch.Tensor) -> bool:
    # is_compiling first: Dynamo traces the rest of the test nowhere.
    return (not torch.compiler.is_compiling() and x.device.type == 'cpu'
            and x.dim() == 2 and x.dtype == weight.dtype == torch.float32
            and torch.backends.mkldnn.is_available()
            and not torch.is_autocast_enabled('cpu'))


class OneDNNLinear(nn.Linear):
    """:class:`torch.nn.Linear` (same parameters and state dict) whose
    float32 CPU products run in oneDNN.

    torch multiplies float32 matrices on CPU with its BLAS (MKL), which on
    some CPUs (AMD's with AVX-512, where oneDNN's convolutions reach ~220
    GFLOP/s) runs at half of oneDNN's speed: the projector's
    (N, 6144) x (6144, 6144) products took 160 ms in MKL and 75 ms in
    oneDNN here. The result equals ``F.linear`` up to float32 rounding
    (another summation order). Other dtypes and devices, autocast and
    ``torch.compile`` take ``F.linear``.

    Args: as :class:`torch.nn.Linear`.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, in_features) -> (N, out_features)."""
        if not _use_onednn(x, self.weight):
            return F.linear(x, self.weight, self.bias)
        y = _OneDNNLinear.apply(x, self.weight)
        return y if self.bias is None else y + self.bias
