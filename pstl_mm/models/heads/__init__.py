from .barlow_twins_head import BarlowTwinsHead

__all__ = ['BarlowTwinsHead']
