from .heap_trim_hook import HeapTrimHook, set_heap_trim_threshold
from .labelled_subset_hook import LabelledSubsetHook
from .random_state_hook import RandomStateHook

__all__ = [
    'HeapTrimHook', 'LabelledSubsetHook', 'RandomStateHook',
    'set_heap_trim_threshold'
]
