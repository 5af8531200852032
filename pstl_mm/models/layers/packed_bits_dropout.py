"""Dropout whose mask is packed bits: slices of 64-bit random words."""
import torch
import torch.nn as nn


class _MaskedScale(torch.autograd.Function):
    """``x * keep * scale`` that saves only the bool mask for backward."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, keep: torch.Tensor, scale: float,
                inplace: bool) -> torch.Tensor:
        ctx.save_for_backward(keep)
        ctx.scale = scale
        if inplace:
            ctx.mark_dirty(x)
            x.mul_(keep).mul_(scale)
            return x  # the dirty input itself, as torch.compile requires
        return x.mul(keep).mul_(scale)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        keep, = ctx.saved_tensors
        return grad.mul(keep).mul_(ctx.scale), None, None, None


def keep_mask(shape: torch.Size, p: float,
              device: torch.device) -> torch.Tensor:
    """Bool mask, each entry True with probability ``1 - p``.

    Every entry is one slice of uniformly random 64-bit words, kept when it
    is at least ``round(p * 2**b) - 2**(b - 1)``: 8-bit slices when ``p`` is
    a multiple of ``2**-8`` (0.5 included), which halves the random bits
    drawn, else 16-bit slices; exact for any ``p`` that is a multiple of
    ``2**-16``, otherwise within ``2**-17`` of it.

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
    bits = 8 if float(p * 2**8).is_integer() else 16
    per_word = 64 // bits
    words = torch.randint(-2**63, 2**63 - 1,
                          ((numel + per_word - 1) // per_word, ),
                          dtype=torch.int64, device=device)
    threshold = int(round(p * 2**bits)) - 2**(bits - 1)
    slices = words.view(torch.int8 if bits == 8 else torch.int16)
    return (slices[:numel] >= threshold).view(shape)


class PackedBitsDropout(nn.Dropout):
    """:class:`torch.nn.Dropout` with a cheaper mask.

    Same semantics as ``nn.Dropout`` (entries zeroed with probability
    ``p``, the rest scaled by ``1 / (1 - p)``, identity in eval mode), but
    the mask is packed bits cut from 64-bit random words (:func:`keep_mask`,
    8 or 16 bits per entry) instead of one Bernoulli draw per entry, which
    on CPUs costs several times the rest of the layer. Draws come from torch's default
    generator, as ``nn.Dropout``'s do. Backward keeps a bool mask (one byte
    per entry).

    Args:
        p (float): Probability of zeroing an entry. Defaults to 0.5.
        inplace (bool): Overwrite the input (which autograd must not need
            for another backward, e.g. the output of a BatchNorm).
            Defaults to False.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__(p=p, inplace=inplace)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Drop entries of ``x`` (any shape and memory format) in train
        mode; a channels-last ``x`` gets a channels-last mask."""
        if not self.training or self.p == 0:
            return x
        if self.p == 1:
            return x.zero_() if self.inplace else x * 0
        if x.dim() == 4 and not x.is_contiguous() and x.is_contiguous(
                memory_format=torch.channels_last):
            # Draw the mask in x's own layout, so that the product streams.
            n, c, h, w = x.shape
            keep = keep_mask((n, h, w, c), self.p,
                             x.device).permute(0, 3, 1, 2)
        else:
            keep = keep_mask(x.shape, self.p, x.device)
        return _MaskedScale.apply(x, keep, 1.0 / (1.0 - self.p),
                                  self.inplace)
