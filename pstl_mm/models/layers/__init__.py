from .graph_conv import graph_conv
from .masked_batch_norm import masked_batch_norm_1d, masked_batch_norm_2d
from .strided_pointwise_conv import StridedPointwiseConv2d
from .word_dropout import WordDropout, keep_mask

__all__ = [
    'StridedPointwiseConv2d', 'WordDropout', 'graph_conv', 'keep_mask',
    'masked_batch_norm_1d', 'masked_batch_norm_2d'
]
