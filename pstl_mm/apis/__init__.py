"""Use a pretrained encoder without a runner: build it, get features."""
from .encoder import init_encoder
from .features import build_clip_dataset, dataset_features, extract_features

__all__ = [
    'init_encoder', 'extract_features', 'build_clip_dataset',
    'dataset_features'
]
