"""Use a pretrained encoder without a runner: build it, get features,
publish it."""
from .encoder import init_encoder
from .features import build_clip_dataset, dataset_features, extract_features
from .publish import publish_encoder

__all__ = [
    'init_encoder', 'extract_features', 'build_clip_dataset',
    'dataset_features', 'publish_encoder'
]
