from .masked_batch_norm import masked_batch_norm_1d, masked_batch_norm_2d
from .word_dropout import WordDropout, keep_mask

__all__ = [
    'WordDropout', 'keep_mask', 'masked_batch_norm_1d', 'masked_batch_norm_2d'
]
