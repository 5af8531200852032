from .maskable_stgcn import MaskableSTGCN

__all__ = ['MaskableSTGCN']
