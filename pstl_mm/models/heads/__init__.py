from .barlow_twins_head import BarlowTwinsHead
from .masked_gcn_head import MaskedGCNHead

__all__ = ['BarlowTwinsHead', 'MaskedGCNHead']
