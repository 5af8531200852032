from .partial_body_metric import PartialBodyMetric

__all__ = ['PartialBodyMetric']
