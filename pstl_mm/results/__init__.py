"""One dataset's results from its configs: pretraining and partial-body runs
as subprocesses of tools/train.py and tools/test.py, linear probe, kNN and
class-variance share on frozen features, steps reused while their
fingerprints hold, JSON and Markdown tables."""
from .dataset_configs import DatasetConfigs, find_dataset_configs
from .evaluate import class_variance_share, evaluate_features
from .fingerprint import fingerprint, source_hash
from .pipeline import ResultsOptions, ResultsPipeline
from .protocol_settings import ProbeSettings, probe_settings
from .report_markdown import tables, write_between_markers
from .step_store import StepStore

__all__ = [
    'DatasetConfigs', 'ProbeSettings', 'ResultsOptions', 'ResultsPipeline',
    'StepStore', 'class_variance_share', 'evaluate_features',
    'find_dataset_configs', 'fingerprint', 'probe_settings', 'source_hash',
    'tables', 'write_between_markers'
]
