from .heap_trim_hook import HeapTrimHook, set_heap_trim_threshold
from .labelled_subset_hook import LabelledSubsetHook

__all__ = ['HeapTrimHook', 'LabelledSubsetHook', 'set_heap_trim_threshold']
