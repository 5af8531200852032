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


class _RestrictedUnpickler(pickle.Unpickler):

    def __init__(self, file, source: str):
        super().__init__(file)
        self.source = source

    def find_class(self, module: str, name: str) -> Any:
        allowed = (module, name) in _ALLOWED or (
            module == 'numpy.dtypes' and name.endswith('DType'))
        if not allowed:
            raise UnsafePickleError(
                f'{self.source}: refused to load the global '
                f'{module}.{name}; only Python containers and numpy arrays '
                'are allowed in data pickles')
        return super().find_class(module, name)


def safe_load(path: str) -> Any:
    """Load a data pickle allowing only containers and numpy arrays.

    Args:
        path (str): The pickle file.

    Returns:
        The unpickled object.

    Raises:
        FileNotFoundError: the file does not exist.
        UnsafePickleError: naming the file and the refused global.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such file')
    with open(path, 'rb') as f:
        return _RestrictedUnpickler(f, path).load()


def safe_loads(data: bytes, source: str = '<bytes>') -> Any:
    """:func:`safe_load` for bytes already in memory."""
    return _RestrictedUnpickler(io.BytesIO(data), source).load()
