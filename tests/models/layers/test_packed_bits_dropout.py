"""PackedBitsDropout: nn.Dropout's semantics, a mask cut from random words."""
import pytest
import torch

from pstl_mm.models.layers import PackedBitsDropout, keep_mask


@pytest.mark.parametrize('p', [0.5, 0.25, 0.1, 3 / 256])
def test_keep_rate_and_independence(p):
    torch.manual_seed(0)
    mask = keep_mask(torch.Size((1000, 1000)), p, torch.device('cpu'))
    assert mask.dtype == torch.bool and mask.shape == (1000, 1000)
    rate = mask.float().mean().item()
    assert abs(rate - (1 - p)) < 3e-3
    # neighbouring entries (slices of one word) are uncorrelated
    a, b = mask[:, 0::2].float(), mask[:, 1::2].float()
    both = (a * b).mean().item()
    assert abs(both - (1 - p)**2) < 3e-3


def test_slices_of_a_word_are_its_bytes_when_p_allows():
    """p = 0.5: one byte per entry, kept when the signed byte is >= 0."""
    torch.manual_seed(3)
    mask = keep_mask(torch.Size((5, 7)), 0.5, torch.device('cpu'))
    torch.manual_seed(3)
    words = torch.randint(-2**63, 2**63 - 1, (5, ), dtype=torch.int64)
    assert torch.equal(mask.flatten(), words.view(torch.int8)[:35] >= 0)
    torch.manual_seed(3)
    mask = keep_mask(torch.Size((5, 7)), 0.1, torch.device('cpu'))
    torch.manual_seed(3)
    words = torch.randint(-2**63, 2**63 - 1, (9, ), dtype=torch.int64)
    want = words.view(torch.int16)[:35] >= round(0.1 * 2**16) - 2**15
    assert torch.equal(mask.flatten(), want)


def test_forward_backward_and_eval():
    torch.manual_seed(0)
    drop = PackedBitsDropout(0.5).train()
    x = torch.randn(64, 8, 10, 5, requires_grad=True)
    y = drop(x)
    kept = y != 0
    torch.testing.assert_close(y[kept], 2 * x[kept])
    assert 0.45 < kept.float().mean().item() < 0.55
    y.sum().backward()
    torch.testing.assert_close(x.grad, 2 * kept.float())
    drop.eval()
    assert drop(x) is x
    assert PackedBitsDropout(0.0).train()(x) is x
    assert not PackedBitsDropout(1.0).train()(x).any()


def test_inplace_equals_out_of_place_and_overwrites_the_input():
    x = torch.randn(16, 8, 10, 5).contiguous(memory_format=torch.channels_last)
    weights = torch.randn(16, 8, 10, 5)
    outs, grads = [], []
    for inplace in (False, True):
        leaf = x.clone().requires_grad_(True)
        inner = leaf * 1.0
        torch.manual_seed(0)
        y = PackedBitsDropout(0.5, inplace=inplace).train()(inner)
        assert (y is inner) == inplace
        assert y.is_contiguous(memory_format=torch.channels_last)
        (y * weights).sum().backward()
        outs.append(y.detach())
        grads.append(leaf.grad)
    assert torch.equal(outs[0], outs[1]) and torch.equal(grads[0], grads[1])
    kept = outs[0] != 0
    torch.testing.assert_close(grads[0], 2 * weights * kept)


def test_draws_follow_torch_seed():
    drop = PackedBitsDropout(0.5).train()
    x = torch.ones(4, 100)
    torch.manual_seed(7)
    first = drop(x)
    torch.manual_seed(7)
    assert torch.equal(drop(x), first)
    assert not torch.equal(drop(x), first)
