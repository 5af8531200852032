"""Offline converters: raw skeleton releases -> PSTL skeleton datasets.

One module per release (:mod:`.ntu`, :mod:`.pku_mmd`, :mod:`.nw_ucla`), all
of the shape described in :mod:`.interface`; the command line is
``tools/data/convert.py DATASET --src RAW --out-dir OUT`` (:mod:`.cli`).
Not imported by ``import pstl_mm`` (which registers the runtime modules):
training never needs these.
"""
import importlib
from typing import Dict

from .interface import Converter

MODULES = ('ntu', 'pku_mmd', 'nw_ucla')


def converters() -> Dict[str, Converter]:
    """Every DATASET name, in the order of :data:`MODULES`.

    Returns:
        dict[str, Converter]: ``'ntu60'``, ``'ntu120'``, ``'pku_mmd1'``,
        ``'pku_mmd2'``, ``'nw_ucla'`` -> its converter.
    """
    table = {}
    for name in MODULES:
        module = importlib.import_module(f'{__name__}.{name}')
        for dataset in module.VARIANTS:
            table[dataset] = Converter(dataset, module)
    return table


def get_converter(dataset: str) -> Converter:
    """The converter of one DATASET name.

    Args:
        dataset (str): One of the keys of :func:`converters`.

    Returns:
        Converter: Its converter.

    Raises:
        KeyError: an unknown name (the message lists the known ones).
    """
    table = converters()
    if dataset not in table:
        raise KeyError(f'unknown dataset {dataset!r}; choose one of '
                       f'{", ".join(table)}')
    return table[dataset]
