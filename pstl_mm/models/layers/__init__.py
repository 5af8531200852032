from .masked_batch_norm import (MaskedBatchNorm1d, MaskedBatchNorm2d,
                                masked_batch_norm_1d, masked_batch_norm_2d)
from .word_dropout import WordDropout, keep_mask

__all__ = [
    'MaskedBatchNorm1d', 'MaskedBatchNorm2d', 'WordDropout', 'keep_mask',
    'masked_batch_norm_1d', 'masked_batch_norm_2d'
]
