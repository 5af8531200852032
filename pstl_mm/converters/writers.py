"""Write converted skeleton datasets in both supported layouts, atomically.

* MMAction2/pyskl annotation pickle ``{out_dir}/{name}.pkl``:
  ``{'split': {'xsub_train': [frame_dir, ...], ...}, 'annotations':
  [{'frame_dir', 'label', 'keypoint' (M, T, V, C) float32, 'total_frames',
  'original_frames'}, ...]}``;
* CrosSCLR/AimCLR arrays, one folder per benchmark: for a split
  ``<benchmark>_<part>`` (``xsub_train``, ``xsub_val``, ...),
  ``{out_dir}/<benchmark>/<part>_data_joint.npy`` (N, C, T, V, M) float32 and
  ``{out_dir}/<benchmark>/<part>_label.pkl`` (``(names, labels)``).

Every file is written to a temporary name beside it and renamed at the end,
so an interrupted conversion never leaves a partial file under a final name
and never replaces a finished one with a partial one. The converters use
:func:`write_converted`, which writes every file into a staging folder
first and moves them into place only once all are written.
:func:`~pstl_mm.converters.check.check_converted` verifies a written
dataset.
"""
import os
import os.path as osp
import pickle
import shutil
import tempfile
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np


def atomic_write(path: str, write: Callable) -> None:
    """Call ``write(file_object)`` on a temporary file, then rename it."""
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as f:
            write(f)
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def split_benchmark(split: str) -> Tuple[str, str]:
    """The benchmark and part of a split name.

    Args:
        split (str): ``<benchmark>_<part>`` (``xsub_train``) or a name
            without ``_``.

    Returns:
        tuple[str, str]: ``('xsub', 'train')``; ``(split, 'all')`` for a
        name without ``_``.
    """
    benchmark, _, part = split.rpartition('_')
    if not benchmark:
        benchmark, part = split, 'all'
    return benchmark, part


def split_files(out_dir: str, split: str) -> Tuple[str, str]:
    """The CrosSCLR array and label files of ``split`` under ``out_dir``.

    Args:
        out_dir (str): Output folder of a conversion.
        split (str): ``<benchmark>_<part>``.

    Returns:
        tuple[str, str]: ``<out_dir>/<benchmark>/<part>_data_joint.npy``
        and ``<out_dir>/<benchmark>/<part>_label.pkl``.
    """
    benchmark, part = split_benchmark(split)
    folder = osp.join(out_dir, benchmark)
    return (osp.join(folder, f'{part}_data_joint.npy'),
            osp.join(folder, f'{part}_label.pkl'))


def write_skeleton_dataset(out_dir: str, name: str,
                           annotations: Sequence[dict],
                           splits: Dict[str, List[str]]) -> List[str]:
    """Write ``annotations`` in both layouts.

    Args:
        out_dir (str): Output folder.
        name (str): Stem of the annotation pickle.
        annotations (list[dict]): Samples with ``frame_dir``, ``label`` and
            ``keypoint`` (M, T, V, C) of one shape.
        splits (dict[str, list[str]]): ``<benchmark>_<part>`` -> names.

    Returns:
        list[str]: The files written.
    """
    written = []
    pkl = osp.join(out_dir, f'{name}.pkl')
    atomic_write(
        pkl, lambda f: pickle.dump(
            dict(split=splits, annotations=list(annotations)), f,
            protocol=pickle.HIGHEST_PROTOCOL))
    written.append(pkl)
    by_name = {a['frame_dir']: a for a in annotations}
    for split, names in splits.items():
        npy, label = split_files(out_dir, split)
        names = [n for n in names if n in by_name]
        if names:
            data = np.stack([
                by_name[n]['keypoint'].transpose(3, 1, 2, 0) for n in names
            ])
        else:
            shape = annotations[0]['keypoint'].transpose(3, 1, 2, 0).shape \
                if annotations else ()
            data = np.zeros((0, ) + shape, np.float32)
        labels = [int(by_name[n]['label']) for n in names]
        atomic_write(npy, lambda f: np.save(f, data.astype(np.float32)))
        atomic_write(label, lambda f: pickle.dump((names, labels), f))
        written += [npy, label]
    return written


def write_converted(out_dir: str, name: str, annotations: Sequence[dict],
                    splits: Dict[str, List[str]]) -> List[str]:
    """:func:`write_skeleton_dataset` into a staging folder, then move.

    The files are written (each atomically) into a temporary folder inside
    ``out_dir`` and renamed to their final names only once every one of
    them is written: an error or an interrupt while writing leaves an
    earlier output in ``out_dir`` as it was, and no partial file.

    Args:
        out_dir (str): Output folder (created if needed).
        name (str): Stem of the annotation pickle.
        annotations (list[dict]): Samples with ``frame_dir``, ``label`` and
            ``keypoint`` (M, T, V, C) of one shape.
        splits (dict[str, list[str]]): ``<benchmark>_<part>`` -> names.

    Returns:
        list[str]: The files written, under ``out_dir``.
    """
    os.makedirs(out_dir, exist_ok=True)
    staging = tempfile.mkdtemp(dir=out_dir, prefix='.convert-staging-')
    try:
        staged = write_skeleton_dataset(staging, name, annotations, splits)
        final = []
        for path in staged:
            target = osp.join(out_dir, osp.relpath(path, staging))
            os.makedirs(osp.dirname(target), exist_ok=True)
            final.append((path, target))
        for path, target in final:
            os.replace(path, target)
        return [target for _, target in final]
    finally:
        shutil.rmtree(staging, ignore_errors=True)
