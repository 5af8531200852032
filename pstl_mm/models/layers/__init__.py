from .bn_relu_conv import relu_conv_of_norm, relu_conv_recomputable
from .graph_conv import graph_conv
from .joint_masking import (MASKED_CLASSES, JointMaskState, MaskedBatchNorm1d,
                            MaskedBatchNorm2d, MaskedConv2d,
                            MaskedSyncBatchNorm, install_joint_masking)
from .masked_batch_norm import (data_bn_rows, masked_batch_norm_1d,
                                masked_batch_norm_2d)
from .onednn_linear import OneDNNLinear
from .packed_bits_dropout import PackedBitsDropout, keep_mask
from .strided_pointwise_conv import StridedPointwiseConv2d

__all__ = [
    'MASKED_CLASSES', 'JointMaskState', 'MaskedBatchNorm1d',
    'MaskedBatchNorm2d', 'MaskedConv2d', 'MaskedSyncBatchNorm', 'OneDNNLinear',
    'PackedBitsDropout', 'StridedPointwiseConv2d', 'data_bn_rows',
    'graph_conv', 'install_joint_masking', 'keep_mask',
    'masked_batch_norm_1d', 'masked_batch_norm_2d', 'relu_conv_of_norm',
    'relu_conv_recomputable'
]
