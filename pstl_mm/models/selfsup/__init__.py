from .pstl import PSTL

__all__ = ['PSTL']
