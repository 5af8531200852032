from .knn import knn_top1
from .knn_metric import KNNMetric
from .partial_body_metric import PartialBodyMetric

__all__ = ['KNNMetric', 'PartialBodyMetric', 'knn_top1']
