"""``graph_conv`` equals ST-GCN's convolution-first graph convolution.

The reference is the authors' order: a 1x1 convolution to K*C_out
channels, then ``einsum('nkctv,kvw->nctw')`` with the adjacency (one per
sample: ``'nkctv,nkvw->nctw'``). Values and the gradients of the input, the
adjacency, the weight and the bias must agree in float64; backward must keep
the input, not the K-times larger aggregate.
"""
import pytest
import torch
import torch.nn.functional as F

from pstl_mm.models.layers import graph_conv

N, M, C_IN, C_OUT, T, V, K = 3, 2, 5, 7, 4, 6, 3


def conv_first(x, A, weight, bias):
    """Authors' order: (N*M, C_in, T, V) -> (N*M, C_out, T, W)."""
    y = F.conv2d(x, weight, bias)
    nm, _, t, v = y.shape
    y = y.view(nm, K, -1, t, v)
    if A.dim() == 3:
        return torch.einsum('nkctv,kvw->nctw', y, A)
    A = A.repeat_interleave(nm // A.shape[0], dim=0)
    return torch.einsum('nkctv,nkvw->nctw', y, A)


def make(per_sample, channels_last, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(N * M, C_IN, T, V, generator=g, dtype=torch.float64)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    shape = (N, K, V, V) if per_sample else (K, V, V)
    A = torch.rand(shape, generator=g, dtype=torch.float64)
    weight = torch.randn(K * C_OUT, C_IN, 1, 1, generator=g,
                         dtype=torch.float64)
    bias = torch.randn(K * C_OUT, generator=g, dtype=torch.float64)
    return [t.requires_grad_() for t in (x, A, weight, bias)]


@pytest.mark.parametrize('per_sample', [False, True])
@pytest.mark.parametrize('channels_last', [False, True])
def test_values_and_gradients_equal_the_convolution_first_order(
        per_sample, channels_last):
    inputs = make(per_sample, channels_last)
    ref_inputs = [t.detach().clone().requires_grad_() for t in inputs]
    y = graph_conv(*inputs)
    ref = conv_first(*ref_inputs)
    assert y.shape == (N * M, C_OUT, T, V)
    assert y.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(y, ref, rtol=1e-12, atol=1e-12)
    g = torch.Generator().manual_seed(1)
    up = torch.randn(ref.shape, generator=g, dtype=torch.float64)
    (y * up).sum().backward()
    (ref * up).sum().backward()
    for got, want, name in zip(inputs, ref_inputs, 'x A weight bias'.split()):
        torch.testing.assert_close(got.grad, want.grad, rtol=1e-12,
                                   atol=1e-12, msg=name)


def test_no_bias_and_no_gradient_for_frozen_parts():
    x, A, weight, _ = make(False, True)
    A.requires_grad_(False)
    weight.requires_grad_(False)
    y = graph_conv(x, A, weight, None)
    torch.testing.assert_close(y, conv_first(x, A, weight, None))
    y.sum().backward()
    assert x.grad is not None and x.grad.shape == x.shape
    assert A.grad is None and weight.grad is None


def test_backward_keeps_the_input_not_the_aggregate():
    big_c = 32
    x = torch.randn(8, big_c, 10, 25).contiguous(
        memory_format=torch.channels_last).requires_grad_()
    A = torch.rand(K, 25, 25, requires_grad=True)
    weight = torch.randn(K * big_c, big_c, 1, 1, requires_grad=True)
    saved = []

    def pack(t):
        saved.append(t.untyped_storage().nbytes())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        graph_conv(x, A, weight, None)
    # x itself (no copy: it is channels-last) plus the small adjacency and
    # weight; the (N*M*T, W*K, C_in) aggregate would be K times x.
    x_bytes = x.numel() * x.element_size()
    assert max(saved) == x_bytes
    assert sum(saved) < 1.2 * x_bytes
