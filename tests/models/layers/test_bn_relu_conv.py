"""``relu_conv_of_norm`` equals ``conv(bn(y).relu_())`` bit for bit and
keeps less for backward.

Its backward recomputes the ReLU's output from the BatchNorm's input with
the same kernel, so the output, every gradient (input, BatchNorm and
convolution parameters) and the running statistics must be exactly those
of the plain modules, in train and eval mode, contiguous and
channels-last; backward must not keep the ReLU's output.
"""
import copy

import pytest
import torch
import torch.nn as nn

from pstl_mm.models.layers import relu_conv_of_norm, relu_conv_recomputable

N, C, C_OUT, T, V = 6, 5, 7, 12, 4


def make(channels_last: bool, stride: int = 1, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    bn = nn.BatchNorm2d(C)
    conv = nn.Conv2d(C, C_OUT, (3, 1), (stride, 1), (1, 0))
    with torch.no_grad():
        for p in (*bn.parameters(), *conv.parameters()):
            p.copy_(torch.randn(p.shape, generator=g))
        bn.running_mean.copy_(torch.randn(C, generator=g))
        bn.running_var.copy_(torch.rand(C, generator=g) + 0.5)
    y = torch.randn(N, C, T, V, generator=g)
    if channels_last:
        y = y.contiguous(memory_format=torch.channels_last)
    grad = torch.randn(N, C_OUT, (T - 1) // stride + 1, V, generator=g)
    return bn, conv, y, grad


def run(fn, bn, conv, y, grad):
    """Output, gradients of y and every parameter, running statistics."""
    y = y.clone().requires_grad_()
    out = fn(bn, y, conv)
    out.backward(grad)
    params = [p.grad for p in (*bn.parameters(), *conv.parameters())]
    return [out, y.grad, *params, bn.running_mean, bn.running_var,
            bn.num_batches_tracked]


def plain(bn, y, conv):
    return conv(bn(y).relu_())


@pytest.mark.parametrize('channels_last', [False, True])
@pytest.mark.parametrize('train', [True, False])
@pytest.mark.parametrize('stride', [1, 2])
def test_bit_identical_to_the_plain_modules(channels_last, train, stride):
    bn, conv, y, grad = make(channels_last, stride)
    bn.train(train)
    bn2, conv2 = copy.deepcopy(bn), copy.deepcopy(conv)
    fused = run(relu_conv_of_norm, bn, conv, y, grad)
    reference = run(plain, bn2, conv2, y, grad)
    assert len(fused) == 9
    for a, b in zip(fused, reference):
        assert a.shape == b.shape
        assert torch.equal(a, b)
    # The ReLU passes some positions and blocks others.
    with torch.no_grad():
        kept = (copy.deepcopy(bn2)(y) > 0).float().mean()
    assert 0.2 < kept < 0.8


def _saved_bytes(fn, bn, conv, y):
    storages = {}

    def pack(t):
        storages[t.untyped_storage().data_ptr()] = (
            t.untyped_storage().nbytes())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn(bn, y, conv)
    return sum(storages.values())


def test_backward_does_not_keep_the_relu_output():
    bn, conv, y, _ = make(False)
    y = y.requires_grad_()
    fused = _saved_bytes(relu_conv_of_norm, bn, conv, y)
    reference = _saved_bytes(plain, copy.deepcopy(bn), copy.deepcopy(conv), y)
    # The ReLU's output (the size of y) less the BatchNorm's bias (C
    # floats), which only the recomputation keeps.
    assert reference - fused == (y.numel() - C) * y.element_size()


def test_other_modules_and_no_grad_run_the_plain_path():
    bn, conv, y, grad = make(False)

    class MyBN(nn.BatchNorm2d):
        pass

    my_bn = MyBN(C)
    my_bn.load_state_dict(bn.state_dict())
    a = run(relu_conv_of_norm, my_bn, copy.deepcopy(conv), y, grad)
    b = run(plain, copy.deepcopy(bn), copy.deepcopy(conv), y, grad)
    for x, z in zip(a, b):
        assert torch.equal(x, z)
    assert _saved_bytes(relu_conv_of_norm, my_bn, conv,
                        y.requires_grad_()) == _saved_bytes(
                            plain, my_bn, conv, y)
    with torch.no_grad():
        bn.eval()
        assert torch.equal(relu_conv_of_norm(bn, y, conv),
                           plain(bn, y, conv))


@pytest.mark.parametrize('stride', [1, 2])
def test_bit_identical_to_the_plain_modules_under_autocast(stride):
    """Under CPU autocast (bfloat16) the convolution and its backward run
    in bfloat16 on both paths; the BatchNorm, the ReLU and every gradient
    handed back (in the parameters' float32) must still match exactly."""
    bn, conv, y, grad = make(False, stride, seed=3)
    bn2, conv2 = copy.deepcopy(bn), copy.deepcopy(conv)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        fused = run(relu_conv_of_norm, bn, conv, y, grad)
        reference = run(plain, bn2, conv2, y, grad)
    assert fused[0].dtype == torch.bfloat16
    for a, b in zip(fused, reference):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert torch.equal(a, b)
    # Parameters' gradients stay float32 as the parameters are.
    assert all(g.dtype == torch.float32 for g in fused[1:7])


def test_which_modules_the_recomputing_path_takes():
    bn = nn.BatchNorm2d(C)
    conv = nn.Conv2d(C, C_OUT, (3, 1), (2, 1), (1, 0))
    assert relu_conv_recomputable(bn, conv)
    assert not relu_conv_recomputable(nn.SyncBatchNorm(C), conv)
    assert not relu_conv_recomputable(nn.BatchNorm1d(C), conv)
    for bad in (dict(groups=C), dict(dilation=(2, 1)),
                dict(padding_mode='reflect'), dict(padding='same')):
        kwargs = dict(kernel_size=(3, 1), padding=(1, 0))
        kwargs.update(bad)
        assert not relu_conv_recomputable(
            bn, nn.Conv2d(C, C, **kwargs)), bad
