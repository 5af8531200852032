"""StridedPointwiseConv2d: a strided 1x1 Conv2d that oneDNN cannot crash."""
import sys

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from pstl_mm.models.layers import StridedPointwiseConv2d
from tests.conftest import REPO_ROOT, run_command


def _conv(c_in, c_out, stride, seed=0):
    conv = StridedPointwiseConv2d(c_in, c_out, stride)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        conv.weight.copy_(torch.randn(conv.weight.shape, generator=g))
        conv.bias.copy_(torch.randn(conv.bias.shape, generator=g))
    return conv


def _reference(conv, x, grad):
    """Output and gradients of F.conv2d with the stride, in float64 (which
    oneDNN does not compute)."""
    x, w, b = (t.detach().double().requires_grad_()
               for t in (x, conv.weight, conv.bias))
    y = F.conv2d(x, w, b, stride=conv.stride)
    y.backward(grad.double())
    return y, x.grad, w.grad, b.grad


def _graph(node):
    """Names of the autograd nodes ``node`` reaches."""
    names, todo = [], [node]
    while todo:
        node = todo.pop()
        names.append(type(node).__name__)
        todo += [f for f, _ in node.next_functions if f is not None]
    return names


@pytest.mark.parametrize('c_in', [3, 8, 16, 24])
@pytest.mark.parametrize('stride', [(2, 1), (2, 2), (3, 1), (1, 1)])
@pytest.mark.parametrize('channels_last', [True, False])
def test_equals_the_strided_convolution(c_in, stride, channels_last):
    conv = _conv(c_in, 16, stride)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(6, c_in, 31, 25, generator=g)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    x.requires_grad_()
    y = conv(x)
    out_t, out_v = -(-31 // stride[0]), -(-25 // stride[1])
    assert y.shape == (6, 16, out_t, out_v)
    assert y.is_contiguous(memory_format=torch.channels_last) == \
        channels_last
    grad = torch.randn(y.shape, generator=g)
    y.backward(grad)
    want = _reference(conv, x, grad)
    got = (y, x.grad, conv.weight.grad, conv.bias.grad)
    for name, a, b in zip(('output', 'x', 'weight', 'bias'), got, want):
        # float32 sums of up to 6*31*25 products
        scale = b.abs().max().item()
        torch.testing.assert_close(
            a, b.float(), rtol=1e-5, atol=1e-5 * scale, msg=name)


@pytest.mark.parametrize('c_in, stride, device, subsampled', [
    (8, (2, 1), 'cpu', True),
    (15, (1, 2), 'cpu', True),
    (16, (2, 1), 'cpu', False),
    (8, (1, 1), 'cpu', False),
    (8, (2, 1), 'meta', False),
])
def test_subsamples_only_where_onednn_fails(c_in, stride, device,
                                            subsampled):
    """CPU, C_in < 16 and a stride: the input is sliced before the conv."""
    conv = StridedPointwiseConv2d(c_in, 32, stride).to(device)
    x = torch.zeros(2, c_in, 8, 8, device=device, requires_grad=True)
    y = conv(x)
    assert y.shape == (2, 32, 8 // stride[0], 8 // stride[1])
    assert type(y.grad_fn).__name__ == 'ConvolutionBackward0'
    assert ('SliceBackward0' in _graph(y.grad_fn)) == subsampled


def test_is_a_conv2d_with_its_state_dict():
    conv = _conv(8, 16, (2, 1))
    plain = nn.Conv2d(8, 16, 1, stride=(2, 1))
    plain.load_state_dict(conv.state_dict())
    assert isinstance(conv, nn.Conv2d)
    assert conv.kernel_size == (1, 1) and conv.stride == (2, 1)
    assert conv.padding == (0, 0)
    x = torch.randn(3, 8, 10, 5, generator=torch.Generator().manual_seed(2))
    torch.testing.assert_close(conv(x), plain(x))  # contiguous: no defect
    torch.testing.assert_close(conv(x[0]), plain(x[0]))  # unbatched
    without_bias = StridedPointwiseConv2d(8, 16, 2, bias=False)
    assert without_bias.bias is None and without_bias.stride == (2, 2)
    assert without_bias(x).shape == (3, 16, 5, 3)


# The backbone's residual 1x1 stride-2 convolution with 8 (hidden width 8)
# and 4 input channels, channels-last as the blocks pass it: with
# nn.Conv2d, oneDNN 3.12's backward_weights of this convolution writes past
# its workspace (for C_in < 16 with AVX-512, < 8 with AVX2), killing the
# process, hanging, or returning a wrong gradient. Run in a child process so
# that a crash fails this test, not the test session.
_BACKBONE_TRAINS = r'''
import torch
from pstl_mm.models.backbones import MaskableSTGCN

g = torch.Generator().manual_seed(0)
for hidden in (8, 4):
    model = MaskableSTGCN(hidden_channels=hidden, out_channels=16).train()
    with torch.no_grad():
        for p in model.parameters():
            torch.nn.init.normal_(p, 0.5, 0.5, generator=g)
    seen = []

    def keep(conv, args, out):
        out.register_hook(lambda grad: seen.append((conv, args[0], grad)))

    convs = [b.res_conv for b in model.blocks if b.res_conv is not None]
    assert (hidden, (2, 1)) in [(c.in_channels, c.stride) for c in convs]
    for conv in convs:
        conv.register_forward_hook(keep)
    x = torch.randn(4, 2, 64, 25, 3, generator=g)
    for step in range(2):
        model.zero_grad()
        seen.clear()
        weight = torch.randn(4, 2, 16, 16, 25, generator=g)
        (model(x) * weight).sum().backward()
        assert len(seen) == len(convs)
        for conv, inp, grad in seen:
            assert inp.is_contiguous(memory_format=torch.channels_last)
            # dL/dW[o, i] = sum over n, t, v of grad[n, o, t, v] x[n, i, st, v]
            want = torch.einsum('notv,nitv->oi', grad.double(),
                                inp[:, :, ::conv.stride[0]].double())
            got = conv.weight.grad.double().view_as(want)
            err = ((got - want).abs().max() / want.abs().max()).item()
            assert err < 1e-5, (hidden, step, conv.in_channels, err)
        for name, p in model.named_parameters():
            assert torch.isfinite(p.grad).all(), name
    print('trained', hidden, flush=True)
'''


def test_backbone_with_narrow_residual_trains_on_cpu():
    """Forward and backward of MaskableSTGCN with hidden widths 8 and 4:
    no crash, no hang, and the residual convolutions' weight gradients
    equal float64 sums of their inputs times their output gradients."""
    code, out = run_command([sys.executable, '-c', _BACKBONE_TRAINS],
                            timeout=120, cwd=REPO_ROOT)
    assert code == 0, f'exit code {code}:\n{out}'
    assert 'trained 8' in out and 'trained 4' in out, out
