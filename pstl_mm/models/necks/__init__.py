from .projector import BarlowTwinsProjector

__all__ = ['BarlowTwinsProjector']
