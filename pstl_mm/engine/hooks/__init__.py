from .labelled_subset_hook import LabelledSubsetHook

__all__ = ['LabelledSubsetHook']
