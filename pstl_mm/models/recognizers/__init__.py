from .masked_recognizer_gcn import MaskedRecognizerGCN

__all__ = ['MaskedRecognizerGCN']
