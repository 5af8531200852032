from .masked_batch_norm import MaskedBatchNorm2d

__all__ = ['MaskedBatchNorm2d']
