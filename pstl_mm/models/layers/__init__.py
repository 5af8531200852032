from .masked_batch_norm import MaskedBatchNorm1d, MaskedBatchNorm2d

__all__ = ['MaskedBatchNorm1d', 'MaskedBatchNorm2d']
