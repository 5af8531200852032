from .knn import knn_top1
from .knn_metric import KNNMetric
from .linear_probe import (LinearProbe, linear_probe_top1, probe_top1,
                           train_linear_probe)
from .partial_body_metric import PartialBodyMetric

__all__ = [
    'KNNMetric', 'LinearProbe', 'PartialBodyMetric', 'knn_top1',
    'linear_probe_top1', 'probe_top1', 'train_linear_probe'
]
