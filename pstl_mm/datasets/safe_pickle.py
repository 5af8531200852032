"""Unpickling that can build data but never run code."""
import io
import os.path as osp
import pickle
from typing import Any

_ALLOWED = {
    ('builtins', name)
    for name in ('dict', 'list', 'tuple', 'set', 'frozenset', 'bytearray',
                 'complex', 'int', 'float', 'bool', 'str', 'bytes', 'slice',
                 'range')
} | {
    ('collections', 'OrderedDict'),
    ('_codecs', 'encode'),
    ('numpy', 'ndarray'),
    ('numpy', 'dtype'),
} | {(module, name)
     for module in ('numpy.core.multiarray', 'numpy._core.multiarray')
     for name in ('_reconstruct', 'scalar')} | {
         (module, '_frombuffer')
         for module in ('numpy.core.numeric', 'numpy._core.numeric')
     }


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle asked for a global outside the allowed data types."""


def _tensor_from_bytes(data: bytes):
    """``torch.storage._load_from_bytes`` with ``weights_only=True``."""
    import torch
    return torch.load(io.BytesIO(data), weights_only=True)


class _RestrictedUnpickler(pickle.Unpickler):

    def __init__(self, file, source: str, allow_tensors: bool = False):
        super().__init__(file)
        self.source = source
        self.allow_tensors = allow_tensors

    def find_class(self, module: str, name: str) -> Any:
        if self.allow_tensors:
            if (module, name) == ('torch.storage', '_load_from_bytes'):
                return _tensor_from_bytes
            if (module, name) == ('torch._utils', '_rebuild_tensor_v2'):
                return super().find_class(module, name)
        allowed = (module, name) in _ALLOWED or (
            module == 'numpy.dtypes' and name.endswith('DType'))
        if not allowed:
            raise UnsafePickleError(
                f'{self.source}: refused to load the global '
                f'{module}.{name}; only Python containers and numpy arrays '
                'are allowed in data pickles')
        return super().find_class(module, name)


def safe_load(path: str, allow_tensors: bool = False) -> Any:
    """Load a data pickle allowing only containers and numpy arrays.

    Args:
        path (str): The pickle file.
        allow_tensors (bool): Also rebuild torch tensors (as in MMEngine's
            result dumps), their storages read with ``weights_only=True``.

    Returns:
        The unpickled object.

    Raises:
        FileNotFoundError: the file does not exist.
        UnsafePickleError: naming the file and the refused global.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such file')
    with open(path, 'rb') as f:
        return _RestrictedUnpickler(f, path, allow_tensors).load()
