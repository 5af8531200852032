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
and never replaces a finished one with a partial one.

:func:`check_converted` verifies a written dataset (both layouts agree and
load with :class:`~pstl_mm.datasets.PSTLSkeletonDataset`); the converters'
command lines share :func:`convert_and_report`, :func:`convert_then_check`,
:func:`run_check`, :func:`print_check` and :func:`parse_converter_args`.
"""
import argparse
import os
import os.path as osp
import pickle
import sys
import tempfile
from collections import Counter
from typing import Callable, Dict, List, Optional, Sequence, Tuple

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


class ConversionSummary:
    """Counts of samples written and skipped (with reasons)."""

    def __init__(self) -> None:
        self.written = 0
        self.skipped: List[tuple] = []

    def skip(self, name: str, reason: str) -> None:
        """Record a skipped sample."""
        self.skipped.append((name, reason))

    def report(self, files: Sequence[str] = ()) -> str:
        """A human-readable summary."""
        lines = [f'samples written: {self.written}',
                 f'samples skipped: {len(self.skipped)}']
        for reason, count in Counter(r for _, r in self.skipped).items():
            examples = [n for n, r in self.skipped if r == reason][:3]
            lines.append(f'  {count} x {reason} (e.g. {", ".join(examples)})')
        lines += [f'wrote {f}' for f in files]
        return '\n'.join(lines)


def check_converted(out_dir: str,
                    name: str,
                    splits: Sequence[str],
                    layout: str,
                    num_person: int,
                    num_classes: int,
                    num_frames: Optional[int] = None,
                    unit: str = 'clips',
                    allow_empty: bool = False
                    ) -> Tuple[List[str], List[str]]:
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
        tuple[list[str], list[str]]: Report lines (what was checked, one
        line per split with its class histogram) and problems (empty when
        everything agrees); every problem names the file concerned.
    """
    from ..datasets.safe_pickle import safe_load

    pkl = osp.join(out_dir, f'{name}.pkl')
    report: List[str] = []
    if not osp.isfile(pkl):
        return report, [f'{pkl}: no such file, cannot load it (run the '
                        'converter first)']
    try:
        data = safe_load(pkl)
    except Exception as e:  # noqa: BLE001  (reported, not raised)
        return report, [f'{pkl}: cannot load as an annotation pickle '
                        f'({type(e).__name__}: {e})']
    if not isinstance(data, dict) or not isinstance(
            data.get('split'), dict) or not isinstance(
                data.get('annotations'), list) or not all(
                    isinstance(v, (list, tuple))
                    for v in data['split'].values()):
        return report, [f"{pkl}: expected a dict with 'split' (lists of "
                        "names) and 'annotations'"]
    split_names = {k: list(v) for k, v in data['split'].items()}
    anns = [a for a in data['annotations'] if isinstance(a, dict)]
    all_names = {a.get('frame_dir') for a in anns}
    first_shape = getattr(anns[0].get('keypoint'), 'shape', ()) \
        if anns else ()
    report.append(f'{pkl}: {len(data["annotations"])} {unit}, splits '
                  f'{sorted(split_names)}')
    del data, anns
    problems = _check_partition(pkl, splits, split_names, all_names, unit)
    for split in splits:
        if split in split_names:
            problems += _check_split(
                out_dir, pkl, split, split_names[split],
                dict(layout=layout, num_person=num_person,
                     num_classes=num_classes), num_frames, unit, allow_empty,
                first_shape, report)
    return report, problems


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
    from ..datasets.safe_pickle import safe_load
    from ..datasets.skeleton_dataset import PSTLSkeletonDataset

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


def print_check(pkl: str, report: Sequence[str],
                problems: Sequence[str]) -> int:
    """Print a :func:`check_converted` result; the exit status of
    ``--check``.

    Args:
        pkl (str): The annotation pickle checked.
        report (list[str]): Report lines.
        problems (list[str]): Problems found.

    Returns:
        int: 0 when there is no problem, else 1.
    """
    print(f'check of {pkl}:')
    for line in report:
        print(f'  {line}')
    for problem in problems:
        print(f'  PROBLEM: {problem}')
    if problems:
        print(f'CHECK FAILED: {len(problems)} problem(s) in '
              f'{osp.dirname(pkl) or "."}')
        return 1
    print('check: OK (every check passed)')
    return 0


def run_check(out_dir: str, name: str, *args, **kwargs) -> int:
    """:func:`check_converted`, printed by :func:`print_check`.

    Args:
        out_dir (str): The converter's output folder.
        name (str): Stem of the annotation pickle.
        *args: The other arguments of :func:`check_converted`.
        **kwargs: Its keyword arguments.

    Returns:
        int: 0 when the files agree, else 1.
    """
    report, problems = check_converted(out_dir, name, *args, **kwargs)
    return print_check(osp.join(out_dir, f'{name}.pkl'), report, problems)


def convert_and_report(convert: Callable[[], tuple],
                       errors: Tuple[type, ...]) -> Optional[tuple]:
    """Run a converter and print its summary, or the error it raised.

    Args:
        convert (callable): Runs the conversion; returns a tuple whose
            first two items are the files written and the
            :class:`ConversionSummary`.
        errors (tuple[type]): Exceptions that mean the conversion failed;
            their message is printed to stderr as ``error: ...``.

    Returns:
        tuple, optional: The converter's result (its summary printed), or
        ``None`` when it raised one of ``errors``.
    """
    try:
        result = convert()
    except errors as e:
        print(f'error: {e}', file=sys.stderr)
        return None
    files, summary = result[:2]
    print(summary.report(files))
    return result


def convert_then_check(convert: Optional[Callable[[], tuple]],
                       errors: Tuple[type, ...],
                       check: Optional[Callable[[], int]],
                       no_source: str) -> int:
    """A converter's command line: convert and/or check.

    Args:
        convert (callable, optional): The conversion (see
            :func:`convert_and_report`); ``None`` when no source was given.
        errors (tuple[type]): Exceptions that mean the conversion failed.
        check (callable, optional): ``--check`` (e.g. :func:`run_check`),
            returning its exit status; ``None`` without ``--check``.
        no_source (str): The error printed when neither is given.

    Returns:
        int: The exit status: 2 when the conversion failed or there is
        nothing to do, else that of the check (0 without one).
    """
    if convert is not None:
        if convert_and_report(convert, errors) is None:
            return 2
    elif check is None:
        print(f'error: {no_source}', file=sys.stderr)
        return 2
    return 0 if check is None else check()


def parse_converter_args(doc: str,
                         add_arguments: Callable[[argparse.ArgumentParser],
                                                 None],
                         argv: Optional[Sequence[str]] = None
                         ) -> argparse.Namespace:
    """Parse a converter's command line.

    The options common to the converters, ``--num-frames`` (at least 1,
    default 50), ``--check`` and ``--no-progress``, follow those added by
    ``add_arguments``.

    Args:
        doc (str): The tool's docstring: its first line is the description,
            the text after the second line the epilog.
        add_arguments (callable): Adds the tool's own options to the parser.
        argv (list[str], optional): Arguments (default: ``sys.argv[1:]``).

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(
        description=doc.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=doc.split('\n', 2)[2])
    add_arguments(parser)
    parser.add_argument('--num-frames', type=int, default=50)
    parser.add_argument('--check', action='store_true',
                        help='verify the written files (alone: verify an '
                        'existing conversion without converting)')
    parser.add_argument('--no-progress', action='store_true')
    args = parser.parse_args(argv)
    if args.num_frames < 1:
        parser.error('--num-frames must be at least 1')
    return args
