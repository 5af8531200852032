from .graph_conv import graph_conv
from .masked_batch_norm import masked_batch_norm_1d, masked_batch_norm_2d
from .onednn_linear import OneDNNLinear
from .packed_bits_dropout import PackedBitsDropout, keep_mask
from .strided_pointwise_conv import StridedPointwiseConv2d

__all__ = [
    'OneDNNLinear', 'PackedBitsDropout', 'StridedPointwiseConv2d',
    'graph_conv', 'keep_mask', 'masked_batch_norm_1d', 'masked_batch_norm_2d'
]
