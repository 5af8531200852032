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
"""
import os
import os.path as osp
import pickle
import tempfile
from collections import Counter
from typing import Callable, Dict, List, Sequence

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
        benchmark, _, part = split.rpartition('_')
        if not benchmark:
            benchmark, part = split, 'all'
        names = [n for n in names if n in by_name]
        data = np.stack([
            by_name[n]['keypoint'].transpose(3, 1, 2, 0) for n in names
        ]) if names else np.zeros((0, ), np.float32)
        labels = [int(by_name[n]['label']) for n in names]
        npy = osp.join(out_dir, benchmark, f'{part}_data_joint.npy')
        atomic_write(npy, lambda f: np.save(f, data.astype(np.float32)))
        label = osp.join(out_dir, benchmark, f'{part}_label.pkl')
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
