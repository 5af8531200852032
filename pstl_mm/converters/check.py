"""Validate a converted output without rewriting it.

:func:`check_converted` loads every split of the annotation pickle with
:class:`~pstl_mm.datasets.PSTLSkeletonDataset` and compares it with the
CrosSCLR arrays and label files beside it (layouts of
:mod:`~pstl_mm.converters.writers`); every converter's ``check`` is this
function with its dataset's splits, layout and class count.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np

from ..datasets.safe_pickle import safe_load
from ..datasets.skeleton_dataset import PSTLSkeletonDataset
from .interface import CheckReport
from .writers import split_benchmark, split_files


def check_converted(out_dir: str,
                    name: str,
                    splits: Sequence[str],
                    layout: str,
                    num_person: int,
                    num_classes: int,
                    num_frames: Optional[int] = None,
                    unit: str = 'clips',
                    allow_empty: bool = False) -> CheckReport:
    """Check a written dataset: pickle, npy arrays and label files agree.

    Without rewriting anything, checks that ``{out_dir}/{name}.pkl`` holds
    every split of ``splits``; that the splits of each benchmark
    (``<benchmark>_<part>``) are disjoint and together cover every sample of
    the pickle; that every split loads with
    :class:`~pstl_mm.datasets.PSTLSkeletonDataset` (which validates shapes,
    values, labels and names) in the order the split lists it, with
    ``num_person`` persons and ``num_frames`` frames per sample; and that
    ``<benchmark>/<part>_label.pkl`` and ``<benchmark>/<part>_data_joint.npy``
    hold the split's names, labels and keypoints (float32, (N, C, T, V, M),
    values exactly equal).

    Args:
        out_dir (str): The converter's output folder.
        name (str): Stem of the annotation pickle.
        splits (list[str]): Splits that must be present.
        layout (str): Skeleton layout.
        num_person (int): Persons M of every sample.
        num_classes (int): Labels must lie in [0, num_classes).
        num_frames (int, optional): Frames T of every sample; ``None``
            skips that check.
        unit (str): What the report calls a sample (``'clips'``,
            ``'samples'``).
        allow_empty (bool): Accept a split without samples (its array is
            then (0, C, T, V, M)). Defaults to False: an empty split is a
            problem.

    Returns:
        CheckReport: Its lines say what was checked (one line per split
        with its class histogram); its problems (empty when everything
        agrees) each name the file concerned.
    """
    pkl = osp.join(out_dir, f'{name}.pkl')
    report = CheckReport(pkl)
    if not osp.isfile(pkl):
        report.problems.append(f'{pkl}: no such file, cannot load it (run '
                               'the converter first)')
        return report
    try:
        data = safe_load(pkl)
    except Exception as e:  # noqa: BLE001  (reported, not raised)
        report.problems.append(f'{pkl}: cannot load as an annotation '
                               f'pickle ({type(e).__name__}: {e})')
        return report
    if not isinstance(data, dict) or not isinstance(
            data.get('split'), dict) or not isinstance(
                data.get('annotations'), list) or not all(
                    isinstance(v, (list, tuple))
                    for v in data['split'].values()):
        report.problems.append(f"{pkl}: expected a dict with 'split' "
                               "(lists of names) and 'annotations'")
        return report
    split_names = {k: list(v) for k, v in data['split'].items()}
    anns = [a for a in data['annotations'] if isinstance(a, dict)]
    all_names = {a.get('frame_dir') for a in anns}
    first_shape = getattr(anns[0].get('keypoint'), 'shape', ()) \
        if anns else ()
    report.lines.append(f'{pkl}: {len(data["annotations"])} {unit}, splits '
                        f'{sorted(split_names)}')
    del data, anns
    report.problems += _check_partition(pkl, splits, split_names, all_names,
                                        unit)
    for split in splits:
        if split in split_names:
            report.problems += _check_split(
                out_dir, pkl, split, split_names[split],
                dict(layout=layout, num_person=num_person,
                     num_classes=num_classes), num_frames, unit, allow_empty,
                first_shape, report.lines)
    return report


def _check_partition(pkl: str, splits: Sequence[str],
                     split_names: Dict[str, List[str]], all_names: set,
                     unit: str) -> List[str]:
    """Missing splits; splits of a benchmark that overlap or leave out
    samples of the pickle (see :func:`check_converted`)."""
    problems = []
    benchmarks: Dict[str, List[str]] = {}
    for split in splits:
        benchmarks.setdefault(split_benchmark(split)[0], []).append(split)
        if split not in split_names:
            problems.append(f'{pkl}: no split {split!r} (splits: '
                            f'{sorted(split_names)})')
    for members in benchmarks.values():
        if any(s not in split_names for s in members):
            continue
        sets = [set(split_names[s]) for s in members]
        for i, a in enumerate(members):
            for j in range(i + 1, len(members)):
                both = sets[i] & sets[j]
                if both:
                    problems.append(
                        f'{pkl}: {len(both)} {unit} in both {a} and '
                        f'{members[j]} (e.g. {sorted(both, key=str)[0]})')
        union = set().union(*sets)
        if union != all_names:
            problems.append(f'{pkl}: {" + ".join(members)} hold '
                            f'{len(union)} {unit}, the file '
                            f'{len(all_names)}')
    return problems


def _check_split(out_dir: str, pkl: str, split: str, names: List[str],
                 dataset_args: dict, num_frames: Optional[int], unit: str,
                 allow_empty: bool, first_shape: tuple,
                 report: List[str]) -> List[str]:
    """Problems of one split (see :func:`check_converted`); appends its
    report line to ``report``."""
    try:
        dataset = PSTLSkeletonDataset(
            pkl, pipeline=[], split=split, serialize_data=False,
            **dataset_args)
    except Exception as e:  # noqa: BLE001  (reported, not raised)
        return [f'{pkl}: split {split} does not load with '
                f'PSTLSkeletonDataset ({type(e).__name__}: {e})']
    samples = dataset.data_list
    loaded = [s['frame_dir'] for s in samples]
    problems = []
    if loaded != names:
        known = set(loaded)
        missing = [n for n in names if n not in known]
        problems.append(
            f'{pkl}: split {split} lists {len(names)} {unit}, '
            f'{len(loaded)} load in that order'
            + (f' ({len(missing)} without annotation, e.g. {missing[0]})'
               if missing else ''))
    if not samples and not allow_empty:
        problems.append(f'{pkl}: split {split} is empty')
    num_person = dataset_args['num_person']
    bad_shape = [
        s for s in samples if s['keypoint'].shape[0] != num_person or (
            num_frames is not None and s['keypoint'].shape[1] != num_frames)
    ]
    if bad_shape:
        frames = '' if num_frames is None else f' x {num_frames} frames'
        problems.append(
            f'{pkl}: split {split}: {len(bad_shape)} {unit} not of '
            f'{num_person} persons{frames}, e.g. '
            f'{bad_shape[0]["frame_dir"]!r} {bad_shape[0]["keypoint"].shape}')
    npy, label = split_files(out_dir, split)
    problems += [f'{path}: no such file' for path in (npy, label)
                 if not osp.isfile(path)]
    if problems:
        return problems
    try:
        data = np.load(npy, mmap_mode='r', allow_pickle=False)
    except Exception as e:  # noqa: BLE001  (reported, not raised)
        return [f'{npy}: not a readable .npy array ({e})']
    try:
        label_names, labels = safe_load(label)
        label_names, labels = list(label_names), [int(v) for v in labels]
    except Exception as e:  # noqa: BLE001  (reported, not raised)
        return [f'{label}: not a (names, labels) pickle '
                f'({type(e).__name__}: {e})']
    if label_names != loaded:
        diff = _first_difference(label_names, loaded)
        problems.append(f'{label}: names differ from split {split} of {pkl} '
                        f'({len(label_names)} vs {len(loaded)} names, first '
                        f'difference at index {diff})')
    expected = [s['label'] for s in samples]
    if labels != expected:
        diff = _first_difference(labels, expected)
        count = sum(a != b for a, b in zip(labels, expected))
        problems.append(f'{label}: labels differ from {pkl} (first at index '
                        f'{diff}; {count} of {len(expected)} differ)')
    shape = _array_shape(samples[0]['keypoint'].shape if samples else
                         first_shape, len(samples))
    if data.dtype != np.float32 or data.shape != shape:
        problems.append(f'{npy}: array {data.dtype} {data.shape}, expected '
                        f'float32 {shape} (N, C, T, V, M) for split {split}')
    else:
        differ = [
            i for i, s in enumerate(samples)
            if not np.array_equal(data[i], s['keypoint'].transpose(
                3, 1, 2, 0))
        ]
        if differ:
            i = differ[0]
            gap = np.abs(data[i] - samples[i]['keypoint'].transpose(
                3, 1, 2, 0))
            problems.append(
                f'{npy}: values of sample {i} ({samples[i]["frame_dir"]}) '
                f'differ from {pkl} (max abs difference {np.nanmax(gap):.6g}'
                f'; {len(differ)} of {len(samples)} {unit} differ)')
    hist = np.bincount(np.asarray(expected, np.int64),
                       minlength=dataset_args['num_classes'])
    status = '' if problems else \
        f' OK ({npy} {tuple(data.shape)}, {label})'
    report.append(f'{split}: {len(samples)} {unit}{status}, '
                  f'{int((hist > 0).sum())}/{dataset_args["num_classes"]} '
                  f'classes, per class {" ".join(str(int(c)) for c in hist)}')
    return problems


def _first_difference(a: Sequence, b: Sequence) -> int:
    """Index of the first difference of two sequences (or the shorter
    length when one is a prefix of the other)."""
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y),
                min(len(a), len(b)))


def _array_shape(keypoint_shape: tuple, count: int) -> tuple:
    """(N, C, T, V, M) of ``count`` samples of keypoint shape (M, T, V, C);
    ``(count, )`` when no keypoint shape is known."""
    if len(keypoint_shape) != 4:
        return (count, )
    m, t, v, c = keypoint_shape
    return (count, c, t, v, m)
