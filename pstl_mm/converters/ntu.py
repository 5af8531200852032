"""NTU RGB+D 60/120 raw ``.skeleton`` files -> PSTL skeleton datasets.

The raw format (one text file per clip, named ``SsssCcccPpppRrrrAaaa``)::

    <number of frames>
    per frame:
        <number of bodies>            (may be 0)
        per body:
            10 values: bodyID clipedEdges handLeftConfidence handLeftState
                       handRightConfidence handRightState isResticted
                       leanX leanY trackingState
            <number of joints>        (25)
            25 lines of 12 values: x y z depthX depthY colorX colorY
                       orientationW orientationX orientationY orientationZ
                       trackingState

Conversion of one clip (:func:`convert_skeleton_file`):

1. :func:`read_skeleton_file` parses the file into one (T, 25, 3) track per
   body ID (zeros in the frames where that body is absent) and into the two
   body slots of the CrosSCLR/AimCLR arrays (the first two bodies listed in
   each frame);
2. ``preprocess='aimclr'`` (the default, the data of the paper's numbers):
   :func:`~pstl_mm.datasets.aimclr.aimclr_position` of the slots, as
   CrosSCLR/AimCLR's ``ntu_gendata.py`` + ``preprocess_ntu.py``;
   ``preprocess='normalize'``: :func:`choose_bodies` keeps the two bodies of
   highest motion energy, then
   :func:`~pstl_mm.converters.normalize.normalize_sequence` drops empty
   frames, centres, rotates and resizes to 50 frames;
3. :func:`convert` skips the samples of the missing-skeleton list, then
   writes the MMAction2 pickle and the CrosSCLR arrays with
   :func:`~pstl_mm.converters.writers.write_converted`; :func:`check`
   validates a written output with
   :func:`~pstl_mm.converters.check.check_converted`.

The converter interface (:mod:`~pstl_mm.converters.interface`) serves the
DATASET names ``ntu60`` and ``ntu120``; the command line is
``tools/data/convert.py ntu60 --src RAW_SKELETON_DIR --out-dir data/ntu60``.
"""
import os
import os.path as osp
import re
from multiprocessing import Pool
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
from tqdm import tqdm

from ..datasets.aimclr import aimclr_position
from ..skeleton import CLIP_LENGTH
from .check import check_converted
from .interface import (NUM_FRAMES, PREPROCESS, CheckReport, ConversionError,
                        ConversionSummary, Option)
from .normalize import normalize_sequence
from .writers import write_converted

NUM_JOINTS = 25
NUM_SLOTS = 2  # bodies of the CrosSCLR/AimCLR arrays
AIMCLR_MAX_FRAMES = 300  # frames of the CrosSCLR/AimCLR raw arrays
BODY_INFO_VALUES = 10
JOINT_VALUES = 12

# Standard benchmarks (Shahroudy et al. 2016; Liu et al. 2019).
NTU60_XSUB_TRAIN_PERFORMERS = (1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19,
                               25, 27, 28, 31, 34, 35, 38)
NTU60_XVIEW_TRAIN_CAMERAS = (2, 3)
NTU120_XSUB_TRAIN_PERFORMERS = NTU60_XSUB_TRAIN_PERFORMERS + (
    45, 46, 47, 49, 50, 52, 53, 54, 55, 56, 57, 58, 59, 70, 74, 78, 80, 81,
    82, 83, 84, 85, 86, 89, 91, 92, 93, 94, 95, 97, 98, 100, 103)

# dataset -> (number of actions, number of setups, benchmarks).
SPECS = {
    'ntu60': dict(num_actions=60, num_setups=17, benchmarks=('xsub', 'xview')),
    'ntu120': dict(num_actions=120, num_setups=32,
                   benchmarks=('xsub', 'xset')),
}

# The official lists of samples without skeletons (github
# shahroudy/NTURGB-D), looked for in the raw folder.
MISSING_LISTS = {
    'ntu60': ('NTU_RGBD_samples_with_missing_skeletons.txt', ),
    'ntu120': ('NTU_RGBD_samples_with_missing_skeletons.txt',
               'NTU_RGBD120_samples_with_missing_skeletons.txt'),
}

# The converter interface (see pstl_mm.converters.interface).
VARIANTS = {name: dict(dataset=name) for name in SPECS}
OPTIONS = (NUM_FRAMES, PREPROCESS,
           Option('missing_list', None, 'file of sample names to leave out, '
                  'one a line (default: the official '
                  'NTU_RGBD[120]_samples_with_missing_skeletons.txt found in '
                  '--src)'),
           Option('workers', 1, 'parsing processes (default 1)', int,
                  minimum=1))
SOURCE = ('folder of the raw *.skeleton files (searched recursively, e.g. '
          'the two NTU-120 archives extracted side by side)')

_NAME_RE = re.compile(r'^S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})$')


class SkeletonFileError(ConversionError):
    """A raw ``.skeleton`` file is truncated or malformed.

    Attributes:
        path (str): The file.
        line (int): 1-based line number of the problem.
        problem (str): What is wrong, without the file name.
    """

    def __init__(self, path: str, line: int, problem: str) -> None:
        super().__init__(f'{path}, line {line}: {problem}')
        self.path = path
        self.line = line
        self.problem = problem


class _Lines:
    """Numbered access to the lines of a file, raising on EOF/garbage."""

    def __init__(self, path: str, lines: List[str]) -> None:
        self.path = path
        self.lines = lines
        self.pos = 0  # index of the next line to read

    def error(self, problem: str,
              line: Optional[int] = None) -> SkeletonFileError:
        """The error at ``line`` (default: the line read last)."""
        return SkeletonFileError(self.path, self.pos if line is None else line,
                                 problem)

    def next_values(self, count: int, what: str) -> List[str]:
        """The ``count`` whitespace-separated fields of the next line."""
        if self.pos >= len(self.lines):
            raise SkeletonFileError(
                self.path, self.pos + 1,
                f'unexpected end of file (expected {what})')
        parts = self.lines[self.pos].split()
        self.pos += 1
        if len(parts) != count:
            raise self.error(
                f'expected {what} ({count} value{"s" * (count != 1)}), '
                f'got {len(parts)} value{"s" * (len(parts) != 1)}: '
                f'{self.lines[self.pos - 1].strip()[:80]!r}')
        return parts

    def next_count(self, what: str) -> int:
        """A line holding one non-negative integer."""
        (text, ) = self.next_values(1, what)
        try:
            value = int(text)
        except ValueError:
            raise self.error(f'{what} is not an integer: {text!r}') from None
        if value < 0:
            raise self.error(f'{what} is negative: {value}')
        return value

    def next_joint_block(self, where: str) -> np.ndarray:
        """The xyz of the next ``NUM_JOINTS`` joint lines, checked.

        Every value must be numeric; x, y, z must be finite (the other
        columns are not used).
        """
        first = self.pos
        rows = [ln.split() for ln in self.lines[first:first + NUM_JOINTS]]
        if len(rows) < NUM_JOINTS or any(len(r) != JOINT_VALUES
                                         for r in rows):
            for j in range(NUM_JOINTS):  # locate and report the problem
                self.next_values(JOINT_VALUES, f'joint {j} ({where})')
        self.pos = first + NUM_JOINTS
        try:
            values = np.array(rows, dtype=np.float64)
        except ValueError:
            for j, row in enumerate(rows):
                try:
                    [float(v) for v in row]
                except ValueError:
                    raise self.error(
                        f'non-numeric value in joint {j} ({where}): '
                        f'{" ".join(row)[:80]!r}', first + j + 1) from None
            raise self.error(f'joint values ({where}) are not numbers',
                             first + 1) from None
        xyz = values[:, :3]
        if not np.isfinite(xyz).all():
            j = int(np.flatnonzero(~np.isfinite(xyz).all(axis=1))[0])
            raise self.error(
                f'non-finite x, y, z in joint {j} ({where}): '
                f'{" ".join(rows[j][:3])!r}',
                first + j + 1)
        return xyz


def read_skeleton_file(path: str) -> dict:
    """Parse one raw NTU RGB+D ``.skeleton`` file.

    Args:
        path (str): The file.

    Returns:
        dict: ``num_frames`` (int, T), ``bodies`` (dict body ID (int) ->
        (T, 25, 3) float32 xyz in metres, zeros in the frames where that
        body is absent) and ``present`` (dict body ID -> (T,) bool), both in
        order of first appearance, and ``slots`` ((2, T, 25, 3) float32:
        slot m of frame t holds the m-th body listed in frame t, zeros where
        the frame lists fewer; the bodies of the CrosSCLR/AimCLR arrays,
        which follow no body ID). A file with no content or a frame count
        of 0 gives ``num_frames`` 0 and no body; a clip whose frames all
        have 0 bodies gives no body. If one body ID occurs twice in a frame
        (not seen in NTU), ``bodies`` keeps the first occurrence.

    Raises:
        SkeletonFileError: (a ``ValueError``) naming the file and the line:
            unexpected end of file, more frames announced than lines,
            wrong number of values on a line, a
            joint count other than 25, non-numeric values, non-finite
            x, y, z, or content after the last frame.
    """
    path = str(path)
    with open(path, 'r', encoding='ascii', errors='replace') as f:
        lines = f.read().splitlines()
    # Trailing blank lines are harmless; blank lines elsewhere are errors.
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return dict(num_frames=0, bodies={}, present={},
                    slots=np.zeros((NUM_SLOTS, 0, NUM_JOINTS, 3), np.float32))
    reader = _Lines(path, lines)
    num_frames = reader.next_count('the number of frames')
    if num_frames > len(lines) - 1:  # every frame takes at least a line
        raise reader.error(f'{num_frames} frames announced, but the file has '
                           f'only {len(lines)} lines')
    bodies: Dict[int, np.ndarray] = {}
    present: Dict[int, np.ndarray] = {}
    slots = np.zeros((NUM_SLOTS, num_frames, NUM_JOINTS, 3), np.float32)
    for t in range(num_frames):
        num_bodies = reader.next_count(f'the number of bodies of frame {t}')
        for b in range(num_bodies):
            where = f'frame {t}, body {b}'
            info_line = reader.pos + 1
            info = reader.next_values(BODY_INFO_VALUES, f'body info ({where})')
            try:
                body_id = int(info[0])
                for value in info[1:]:
                    float(value)
            except ValueError:
                raise reader.error(f'non-numeric value in body info '
                                   f'({where}): {" ".join(info)[:80]!r}',
                                   info_line) from None
            num_joints = reader.next_count(f'the number of joints ({where})')
            if num_joints != NUM_JOINTS:
                raise reader.error(f'{num_joints} joints ({where}), NTU RGB+D '
                                   f'has {NUM_JOINTS}')
            xyz = reader.next_joint_block(where)
            if b < NUM_SLOTS:
                slots[b, t] = xyz
            if body_id not in bodies:
                bodies[body_id] = np.zeros((num_frames, NUM_JOINTS, 3),
                                           np.float32)
                present[body_id] = np.zeros(num_frames, bool)
            if not present[body_id][t]:
                bodies[body_id][t] = xyz
                present[body_id][t] = True
    if reader.pos < len(lines):
        raise reader.error(
            f'unexpected content after the last of {num_frames} frames: '
            f'{lines[reader.pos].strip()[:80]!r}', reader.pos + 1)
    return dict(num_frames=num_frames, bodies=bodies, present=present,
                slots=slots)


def motion_energy(xyz: np.ndarray, present: np.ndarray) -> float:
    """Sum over joints and coordinates of the variance over time.

    Args:
        xyz (np.ndarray): (T, V, 3) track of one body.
        present (np.ndarray): (T,) bool, the frames holding the body; the
            variance is taken over these frames only.

    Returns:
        float: The energy; 0 for a body present in fewer than 2 frames.
    """
    frames = np.asarray(xyz, np.float64)[np.asarray(present, bool)]
    if len(frames) < 2:
        return 0.0
    return float(frames.var(axis=0).sum())


def choose_bodies(bodies: Union[dict, Mapping[int, np.ndarray]],
                  max_bodies: int = 2) -> np.ndarray:
    """Keep the ``max_bodies`` most energetic bodies, the most energetic first.

    Motion energy (:func:`motion_energy`) is the sum over joints and
    coordinates of the variance over time, computed over the frames where the
    body is present (absent frames are not counted as zeros). Every body is
    ranked, however few frames it appears in (a body seen in one frame has
    energy 0); ties keep the order of first appearance.

    Args:
        bodies (dict): The result of :func:`read_skeleton_file`, or a mapping
            body ID -> (T, V, 3) track (a frame is then "present" where the
            track is not all zero).
        max_bodies (int): Persons M of the output. Defaults to 2.

    Returns:
        np.ndarray: (max_bodies, T, V, 3) float32, zero-padded persons.

    Raises:
        ValueError: a mapping without tracks (T unknown) or tracks of
            different shapes.
    """
    if 'bodies' in bodies and isinstance(bodies.get('bodies'), Mapping):
        tracks = dict(bodies['bodies'])
        present = dict(bodies['present'])
        num_frames = int(bodies['num_frames'])
        num_joints = NUM_JOINTS
    else:
        tracks = {k: np.asarray(v) for k, v in bodies.items()}
        if not tracks:
            raise ValueError('choose_bodies: no body track given and no '
                             'frame count (pass the read_skeleton_file dict)')
        shapes = {v.shape for v in tracks.values()}
        if len(shapes) != 1 or len(next(iter(shapes))) != 3:
            raise ValueError(f'choose_bodies: tracks must share one (T, V, 3) '
                             f'shape, got {sorted(shapes)}')
        num_frames, num_joints, _ = next(iter(shapes))
        present = {k: np.abs(v).sum(axis=(1, 2)) > 0
                   for k, v in tracks.items()}
    ids = list(tracks)
    energy = np.array([motion_energy(tracks[k], present[k]) for k in ids])
    order = np.argsort(-energy, kind='stable')[:max_bodies]
    out = np.zeros((max_bodies, num_frames, num_joints, 3), np.float32)
    for m, i in enumerate(order):
        out[m] = tracks[ids[i]]
    return out


def parse_name(name: str) -> dict:
    """Fields of an NTU sample name ``SsssCcccPpppRrrrAaaa``.

    Args:
        name (str): The name, with or without ``.skeleton`` / a folder.

    Returns:
        dict: ``setup``, ``camera``, ``performer``, ``replication``,
        ``action`` (1-based ints as in the name; the label is action - 1).

    Raises:
        ValueError: the name does not have that form.
    """
    stem = osp.basename(str(name))
    if stem.endswith('.skeleton'):
        stem = stem[:-len('.skeleton')]
    match = _NAME_RE.match(stem)
    if match is None:
        raise ValueError(f'{name!r} is not an NTU sample name '
                         '(SsssCcccPpppRrrrAaaa, e.g. S001C002P003R002A013)')
    keys = ('setup', 'camera', 'performer', 'replication', 'action')
    return dict(zip(keys, (int(g) for g in match.groups())))


def in_dataset(fields: dict, dataset: str) -> bool:
    """Whether a sample (fields of :func:`parse_name`) belongs to ``dataset``.

    NTU-60 is actions 1..60 of setups 1..17; NTU-120 actions 1..120 of setups
    1..32.
    """
    spec = _spec(dataset)
    return (1 <= fields['action'] <= spec['num_actions']
            and 1 <= fields['setup'] <= spec['num_setups'])


def split_of(fields: dict, benchmark: str) -> str:
    """``'train'`` or ``'val'`` of a sample in a standard benchmark.

    Args:
        fields (dict): Result of :func:`parse_name`.
        benchmark (str): ``'xsub'`` (NTU-60 train performers), ``'xview'``
            (cameras 2, 3 train), ``'xsub120'`` (NTU-120 train performers)
            or ``'xset'`` (even setups train).

    Returns:
        str: ``'train'`` or ``'val'``.
    """
    if benchmark == 'xsub':
        train = fields['performer'] in NTU60_XSUB_TRAIN_PERFORMERS
    elif benchmark == 'xsub120':
        train = fields['performer'] in NTU120_XSUB_TRAIN_PERFORMERS
    elif benchmark == 'xview':
        train = fields['camera'] in NTU60_XVIEW_TRAIN_CAMERAS
    elif benchmark == 'xset':
        train = fields['setup'] % 2 == 0
    else:
        raise ValueError(f'unknown benchmark {benchmark!r}; choose xsub, '
                         'xsub120, xview or xset')
    return 'train' if train else 'val'


def make_splits(names: Sequence[str], dataset: str) -> Dict[str, List[str]]:
    """The benchmark splits of ``dataset`` over ``names`` (order kept).

    Args:
        names (list[str]): Sample names.
        dataset (str): ``'ntu60'`` (``xsub_*``, ``xview_*``) or ``'ntu120'``
            (``xsub_*``, ``xset_*``).

    Returns:
        dict[str, list[str]]: ``<benchmark>_train`` / ``<benchmark>_val`` ->
        names.
    """
    spec = _spec(dataset)
    splits = {f'{b}_{p}': [] for b in spec['benchmarks']
              for p in ('train', 'val')}
    for name in names:
        fields = parse_name(name)
        for b in spec['benchmarks']:
            rule = 'xsub120' if (dataset, b) == ('ntu120', 'xsub') else b
            splits[f'{b}_{split_of(fields, rule)}'].append(name)
    return splits


def _spec(dataset: str) -> dict:
    """The entry of :data:`SPECS`, or a ValueError naming the choices."""
    if dataset not in SPECS:
        raise ValueError(f'unknown dataset {dataset!r}; choose one of '
                         f'{sorted(SPECS)}')
    return SPECS[dataset]


def convert_skeleton_file(path: str, num_frames: int = CLIP_LENGTH,
                          preprocess: str = 'aimclr'
                          ) -> Tuple[str, Optional[dict], Optional[str]]:
    """Read, choose bodies and preprocess one raw file.

    ``preprocess='aimclr'``: the first two bodies listed in each frame
    (``slots`` of :func:`read_skeleton_file`) through
    :func:`~pstl_mm.datasets.aimclr.aimclr_position`; ``original_frames``
    is the AimCLR length. ``'normalize'``: the two most energetic bodies
    (:func:`choose_bodies`) through
    :func:`~pstl_mm.converters.normalize.normalize_sequence`;
    ``original_frames`` is the number of valid frames.

    Args:
        path (str): A ``SsssCcccPpppRrrrAaaa.skeleton`` file.
        num_frames (int): Output length. Defaults to
            :data:`~pstl_mm.skeleton.CLIP_LENGTH`.
        preprocess (str): ``'aimclr'`` (default) or ``'normalize'``.

    Returns:
        tuple: ``(name, annotation, None)`` with ``annotation`` =
        ``dict(frame_dir, label, keypoint (2, num_frames, 25, 3) float32,
        total_frames, original_frames)``, or ``(name, None, reason)`` for a
        file to skip (empty, no body, no valid frame or AimCLR length 0,
        longer than the AimCLR arrays, corrupt).
    """
    name = osp.basename(str(path))[:-len('.skeleton')]
    fields = parse_name(name)
    try:
        skeleton = read_skeleton_file(path)
    except SkeletonFileError as err:
        return name, None, f'corrupt file ({err.problem}; line {err.line})'
    except (OSError, ValueError) as err:
        return name, None, f'unreadable file ({type(err).__name__}: {err})'
    if skeleton['num_frames'] == 0:
        return name, None, 'empty file (0 frames)'
    if not skeleton['bodies']:
        return name, None, 'no body in any frame'
    if preprocess == 'aimclr':
        if skeleton['num_frames'] > AIMCLR_MAX_FRAMES:
            return name, None, (f'more than {AIMCLR_MAX_FRAMES} frames, the '
                                'length of the AimCLR arrays')
        try:
            keypoint, length = aimclr_position(skeleton['slots'], num_frames)
        except ValueError as err:
            return name, None, str(err)
    else:
        kept = choose_bodies(skeleton, max_bodies=2)
        try:
            keypoint, length = normalize_sequence(kept, 'nturgb+d',
                                                  num_frames)
        except ValueError:
            return name, None, ('no valid frame (every joint of every body '
                                'is 0)')
    # C order: the pickle then does not depend on the memory layout
    # (normalize_sequence returns a transposed view's layout).
    keypoint = np.ascontiguousarray(keypoint, dtype=np.float32)
    return name, dict(
        frame_dir=name,
        label=fields['action'] - 1,
        keypoint=keypoint,
        total_frames=int(num_frames),
        original_frames=int(length)), None


def _convert_star(args: tuple) -> tuple:
    """:func:`convert_skeleton_file` of an argument tuple (for ``imap``)."""
    return convert_skeleton_file(*args)


def read_missing_list(path: str) -> List[str]:
    """The sample names of a missing-skeleton list.

    Args:
        path (str): A text file, one name a line (the official lists start
            with header lines, which match no sample and are harmless).

    Returns:
        list[str]: The stripped non-empty lines, in file order.

    Raises:
        FileNotFoundError: ``path`` does not exist.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'missing-skeleton list {path} does not '
                                'exist')
    with open(path, 'r', encoding='utf-8', errors='replace') as f:
        return [line.strip() for line in f if line.strip()]


def find_missing_lists(raw_dir: str, dataset: str) -> List[str]:
    """The official missing-skeleton lists of ``dataset`` under ``raw_dir``.

    Args:
        raw_dir (str): Folder of the raw files (searched recursively).
        dataset (str): ``'ntu60'`` or ``'ntu120'``.

    Returns:
        list[str]: The files named as in :data:`MISSING_LISTS`, sorted.
    """
    names = MISSING_LISTS[dataset]
    found = []
    for root, dirs, files in os.walk(raw_dir):
        dirs.sort()
        found += [osp.join(root, n) for n in files if n in names]
    return sorted(found)


def find_skeleton_files(raw_dir: str, dataset: str
                        ) -> Tuple[List[str], List[Tuple[str, str]], int]:
    """The ``*.skeleton`` files of ``dataset`` under ``raw_dir`` (recursive).

    Args:
        raw_dir (str): Folder of the raw files (sub-folders are searched,
            e.g. the two NTU-120 archives extracted side by side).
        dataset (str): ``'ntu60'`` or ``'ntu120'``.

    Returns:
        tuple: ``(files, skipped, ignored)``: the files to convert, sorted
        by name; ``(name, reason)`` of files skipped for a bad or duplicate
        name; the number of files of the other dataset (NTU-120 only files
        in an ``ntu60`` conversion).

    Raises:
        FileNotFoundError: ``raw_dir`` is not a folder.
    """
    if not osp.isdir(raw_dir):
        raise FileNotFoundError(f'raw skeleton folder {raw_dir} does not '
                                'exist (expected the extracted '
                                'nturgb+d_skeletons/*.skeleton files)')
    found = []
    for root, dirs, names in os.walk(raw_dir):
        dirs.sort()
        found += [osp.join(root, n) for n in names if n.endswith('.skeleton')]
    found.sort(key=lambda p: (osp.basename(p), p))
    files, skipped, ignored, seen = [], [], 0, {}
    for path in found:
        name = osp.basename(path)[:-len('.skeleton')]
        try:
            fields = parse_name(name)
        except ValueError:
            skipped.append((name, 'file name is not SsssCcccPpppRrrrAaaa'))
            continue
        if not in_dataset(fields, dataset):
            ignored += 1
            continue
        if name in seen:
            skipped.append((name, f'duplicate name (kept {seen[name]})'))
            continue
        seen[name] = path
        files.append(path)
    return files, skipped, ignored


def convert(src: str,
            out_dir: str,
            *,
            dataset: str,
            num_frames: int = CLIP_LENGTH,
            preprocess: str = 'aimclr',
            missing_list: Optional[str] = None,
            workers: int = 1,
            progress: bool = True) -> ConversionSummary:
    """Convert a folder of raw NTU files into ``{out_dir}/{dataset}_pstl.pkl``
    and the CrosSCLR arrays.

    Every file is parsed and preprocessed in memory first; nothing is written
    before all files are done (an interrupt before that leaves ``out_dir``
    untouched). The outputs are then written with
    :func:`~pstl_mm.converters.writers.write_converted`, so a finished
    output is never replaced by a partial one.

    Samples named in the missing-skeleton list are skipped before their
    file is read, as CrosSCLR/AimCLR's ``ntu_gendata.py`` does.

    Args:
        src (str): Folder of ``*.skeleton`` files (searched recursively).
        out_dir (str): Output folder.
        dataset (str): ``'ntu60'`` or ``'ntu120'``.
        num_frames (int): Frames per sample. Defaults to
            :data:`~pstl_mm.skeleton.CLIP_LENGTH`.
        preprocess (str): ``'aimclr'`` (default) or ``'normalize'``
            (:func:`convert_skeleton_file`).
        missing_list (str, optional): File of sample names to leave out;
            by default the official lists of :data:`MISSING_LISTS` found
            in ``src`` (a note in the summary says when there is none).
        workers (int): Parsing processes (1: in this process).
        progress (bool): Show a tqdm progress bar.

    Returns:
        ConversionSummary: The files written, the samples written and
        skipped (with reasons), and under ``ignored`` the number of files
        of the other dataset (NTU-120 only files in an ``ntu60``
        conversion).

    Raises:
        FileNotFoundError: ``src`` or ``missing_list`` does not exist.
        ConversionError: no sample could be converted (nothing is written).
    """
    _spec(dataset)
    PREPROCESS.validate(preprocess)
    files, skipped, ignored = find_skeleton_files(src, dataset)
    summary = ConversionSummary(ignored={f'not in {dataset}': ignored})
    for name, reason in skipped:
        summary.skip(name, reason)
    lists = [missing_list] if missing_list is not None else \
        find_missing_lists(src, dataset)
    if not lists:
        summary.notes.append(
            f'no missing-skeleton list ({" or ".join(MISSING_LISTS[dataset])})'
            f' in {src}: every file was read (give --missing-list)')
    missing = {}
    for path in lists:
        for name in read_missing_list(path):
            missing.setdefault(name, path)
    jobs = []
    for path in files:
        name = osp.basename(path)[:-len('.skeleton')]
        if name in missing:
            summary.skip(name, f'listed in {missing[name]} (missing '
                         'skeletons)')
        else:
            jobs.append((path, num_frames, preprocess))
    bar = dict(total=len(jobs), desc=f'convert {dataset}', unit='file',
               disable=not progress)
    annotations = []
    if workers > 1:
        with Pool(workers) as pool:
            results = tqdm(pool.imap(_convert_star, jobs, chunksize=64), **bar)
            outcomes = list(results)
    else:
        outcomes = [_convert_star(job) for job in tqdm(jobs, **bar)]
    for name, ann, reason in outcomes:
        if ann is None:
            summary.skip(name, reason)
        else:
            annotations.append(ann)
    summary.written = len(annotations)
    if not annotations:
        raise ConversionError(
            f'no sample of {dataset} could be converted from {src} '
            f'({len(files)} candidate .skeleton files, {ignored} of another '
            f'dataset); nothing written.\n' + summary.report())
    # The split lists hold the frame_dir objects themselves (pickle memo):
    # identical pickles whatever the number of workers.
    splits = make_splits([a['frame_dir'] for a in annotations], dataset)
    summary.files = write_converted(out_dir, f'{dataset}_pstl', annotations,
                                    splits)
    return summary


def check(out_dir: str,
          *,
          dataset: str,
          num_frames: Optional[int] = CLIP_LENGTH) -> CheckReport:
    """Validate a converted output without rewriting it.

    :func:`~pstl_mm.converters.check.check_converted` of
    ``{out_dir}/{dataset}_pstl.pkl`` with every split of the dataset
    (``num_classes`` 60 / 120, 2 persons, layout ``nturgb+d``; empty splits
    accepted): every split loads with
    :class:`~pstl_mm.datasets.PSTLSkeletonDataset`, the CrosSCLR arrays
    ``{out_dir}/<benchmark>/<part>_data_joint.npy`` and ``<part>_label.pkl``
    agree with it (shapes, names, labels and values, exactly), and the
    train and val parts of each benchmark are disjoint and cover every
    sample.

    Args:
        out_dir (str): The folder given to :func:`convert`.
        dataset (str): ``'ntu60'`` or ``'ntu120'``.
        num_frames (int, optional): Expected frames per sample; ``None``
            skips that check.

    Returns:
        CheckReport: What was checked and the problems found (each naming
        the file; none when the output is good).
    """
    spec = _spec(dataset)
    splits = [f'{b}_{p}' for b in spec['benchmarks'] for p in ('train',
                                                                'val')]
    return check_converted(
        out_dir, f'{dataset}_pstl', splits, 'nturgb+d', 2,
        spec['num_actions'], num_frames, unit='samples', allow_empty=True)
