"""1x1 convolution with a stride, safe from a oneDNN defect on x86 CPUs."""
from typing import Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

# The largest input-channel block of oneDNN's f32 1x1 convolutions on x86:
# 16 floats (AVX-512), 8 (AVX2).
ONEDNN_IC_BLOCK = 16


class StridedPointwiseConv2d(nn.Conv2d):
    """A 1x1 :class:`torch.nn.Conv2d` with a stride, as ST-GCN's residual.

    Same parameters, state dict and results as
    ``nn.Conv2d(in_channels, out_channels, 1, stride)``. On CPU, with fewer
    than :data:`ONEDNN_IC_BLOCK` input channels, the input is subsampled
    first (a 1x1 convolution with stride ``s`` is the unit-stride
    convolution of ``x[..., ::s_h, ::s_w]``): the strided kernel of oneDNN
    3.12 (torch 2.13/2.14) computes the weight gradient of such a
    convolution from a channels-last input in a workspace sized for ``C_in``
    channels per position but indexed with its channel block (16 with
    AVX-512, 8 with AVX2), so ``loss.backward()`` writes past it: a
    segmentation fault, a hang or a wrong gradient
    (uxlfoundation/oneDNN#6035). Other inputs take ``nn.Conv2d``'s own path.

    Args:
        in_channels (int): Input channels C_in.
        out_channels (int): Output channels C_out.
        stride (int or tuple): Stride (s_h, s_w). Defaults to 1.
        bias (bool): Whether to add a learnable bias. Defaults to True.

    Shape:
        - Input: (N, C_in, H, W) or (C_in, H, W), any memory format.
        - Output: (N, C_out, ceil(H / s_h), ceil(W / s_w)), in the memory
          format the convolution picks for the input (channels-last stays
          channels-last).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 stride: Union[int, Tuple[int, int]] = 1,
                 bias: bool = True) -> None:
        super().__init__(in_channels, out_channels, 1, stride, bias=bias)

    def _conv_forward(self, input: torch.Tensor, weight: torch.Tensor,
                      bias: Optional[torch.Tensor]) -> torch.Tensor:
        """Subsample, then convolve with unit stride, where oneDNN fails."""
        if (input.device.type == 'cpu' and self.in_channels < ONEDNN_IC_BLOCK
                and self.stride != (1, 1)):
            s_h, s_w = self.stride
            # Torch would take the slice as channels-first; keep the layout.
            layout = torch.contiguous_format
            if (input.dim() == 4 and not input.is_contiguous()
                    and input.is_contiguous(memory_format=torch.channels_last)):
                layout = torch.channels_last
            input = input[..., ::s_h, ::s_w].contiguous(memory_format=layout)
            return F.conv2d(input, weight, bias)
        return super()._conv_forward(input, weight, bias)
