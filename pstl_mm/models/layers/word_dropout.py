"""Dropout whose mask is cut from 64-bit random words."""
import torch
import torch.nn as nn


class _MaskedScale(torch.autograd.Function):
    """``x * keep * scale`` that saves only the bool mask for backward."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, keep: torch.Tensor,
                scale: float) -> torch.Tensor:
        ctx.save_for_backward(keep)
        ctx.scale = scale
        return x.mul(keep).mul_(scale)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        keep, = ctx.saved_tensors
        return grad.mul(keep).mul_(ctx.scale), None, None


def keep_mask(shape: torch.Size, p: float,
              device: torch.device) -> torch.Tensor:
    """Bool mask, each entry True with probability ``1 - p``.

    Every entry is one 16-bit slice of uniformly random 64-bit words, kept
    when it is at least ``round(p * 2**16) - 2**15``: exact for any ``p``
    that is a multiple of ``2**-16`` (0.5 included), otherwise within
    ``2**-17`` of it.

    Args:
        shape (torch.Size): Shape of the mask.
        p (float): Probability of dropping an entry.
        device (torch.device): Where to draw it.

    Returns:
        torch.Tensor: ``shape`` bool tensor.
    """
    numel = 1
    for size in shape:
        numel *= size
    words = torch.randint(-2**63, 2**63 - 1, ((numel + 3) // 4, ),
                          dtype=torch.int64, device=device)
    threshold = int(round(p * 2**16)) - 2**15
    return (words.view(torch.int16)[:numel] >= threshold).view(shape)


class WordDropout(nn.Dropout):
    """:class:`torch.nn.Dropout` with a cheaper mask.

    Same semantics as ``nn.Dropout`` (entries zeroed with probability
    ``p``, the rest scaled by ``1 / (1 - p)``, identity in eval mode), but
    the mask is cut from 64-bit random words (:func:`keep_mask`, 16 bits per
    entry) instead of one Bernoulli draw per entry, which on CPUs costs
    several times the rest of the layer. Draws come from torch's default
    generator, as ``nn.Dropout``'s do. Backward keeps a bool mask (one byte
    per entry). ``inplace`` is not supported.

    Args:
        p (float): Probability of zeroing an entry. Defaults to 0.5.
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__(p=p, inplace=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Drop entries of ``x`` (any shape) in train mode."""
        if not self.training or self.p == 0:
            return x
        if self.p == 1:
            return x * 0
        keep = keep_mask(x.shape, self.p, x.device)
        return _MaskedScale.apply(x, keep, 1.0 / (1.0 - self.p))
