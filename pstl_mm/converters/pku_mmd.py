"""PKU-MMD (part I and part II) skeletons -> PSTL clips.

The raw release holds, per video (e.g. ``0002-L`` in part I, ``A01N01-L`` in
part II):

* a skeleton text file ``<video>.txt``: one line per frame, 150 numbers
  separated by white space = 2 persons x 25 joints (Kinect v2, NTU order) x
  (x, y, z); the second person is all zero when absent;
* a label text file ``<video>.txt``: one line per action instance,
  ``label,start,end,confidence`` with a 1-based label and ``start``/``end``
  the first and last frame of the instance (inclusive): counted from 1 by
  the CrosSCLR/AimCLR scripts (``preprocess='aimclr'``), from 0 by
  ``preprocess='normalize'``;
* the cross-subject split file (``cross-subject.txt`` in part I,
  ``cross_subject_v2.txt`` in part II): a line ``Training videos:`` followed
  by a comma-separated list of video ids, then a line ``Validataion videos:``
  (sic; ``Validation videos:`` is accepted too) followed by the validation
  ids.

Every labelled interval becomes one clip of shape (2, T, 25, 3)
(:func:`cut_clips`; ``k``: the 0-based index of the interval among the
non-blank lines of the label file): with ``preprocess='aimclr'`` (the
default) named as the AimCLR scripts name it (:func:`aimclr_clip_name`,
``F036V001C014L007``), its body slots made as there
(:func:`aimclr_body_slots`) and preprocessed by
:func:`~pstl_mm.datasets.aimclr.aimclr_position`, each split sorted by
name; with ``preprocess='normalize'`` named ``f'{video}_{k:03d}'`` and
preprocessed by :func:`~pstl_mm.converters.normalize.normalize_sequence`
(layout ``nturgb+d``). Intervals outside the video, empty intervals,
intervals that cover an unreadable skeleton line and unreadable label lines
are skipped with a reason (file and line for the unreadable ones).

The converter interface (:mod:`~pstl_mm.converters.interface`) serves the
DATASET names ``pku_mmd1`` and ``pku_mmd2``: :func:`convert` writes
``pku{part}_pstl.pkl`` and the CrosSCLR arrays, :func:`check` verifies them
(pickle, npy and label files); the command line is
``tools/data/convert.py pku_mmd1 --src PKU_MMD_DIR --out-dir data/pku_mmd1``.
"""
import os
import os.path as osp
import re
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
from tqdm import tqdm

from ..datasets.aimclr import aimclr_position
from ..skeleton import CLIP_LENGTH
from .check import check_converted
from .interface import (NUM_FRAMES, PREPROCESS, CheckReport, ConversionError,
                        ConversionSummary, Option)
from .normalize import normalize_sequence
from .writers import write_converted

LAYOUT = 'nturgb+d'
NUM_PERSON = 2
NUM_JOINTS = 25
VALUES_PER_LINE = NUM_PERSON * NUM_JOINTS * 3
NUM_CLASSES = {1: 51, 2: 41}
BENCHMARK = 'xsub'
SPLITS = (f'{BENCHMARK}_train', f'{BENCHMARK}_val')
SPLIT_FILE_NAMES = {
    1: ('cross-subject.txt', 'cross_subject.txt'),
    2: ('cross_subject_v2.txt', 'cross-subject_v2.txt'),
}
# Folder names of the releases; used only to break ties when the raw
# folder holds several candidate folders (discovery is by content).
SKELETON_DIR_NAMES = ('PKU_Skeleton_Renew', 'skeleton', 'Skeleton',
                      'skeleton_v2', 'Skeleton_v2', 'PKU_Skeleton_v2')
LABEL_DIR_NAMES = ('Train_Label_PKU_final', 'label', 'Label',
                   'Label_PKUMMD', 'Label_PKUMMD_v2', 'label_v2')
# CrosSCLR/AimCLR clip names: the video's number(s), its view, the class and
# the 1-based label row (tools/pku_part{1,2}_skeleton.py).
VIEW_CODES = {'L': '001', 'M': '002', 'R': '003'}
VIDEO_ID = {1: re.compile(r'^(\d{4})-([LMR])$'),
            2: re.compile(r'^A(\d{2})N(\d{2})-([LMR])$')}
AIMCLR_MAX_FRAMES = 300  # longer clips are centre-cropped (pku_read_skeleton)

# The converter interface (see pstl_mm.converters.interface).
VARIANTS = {f'pku_mmd{part}': dict(part=part) for part in NUM_CLASSES}
OPTIONS = (
    NUM_FRAMES,
    PREPROCESS,
    Option('skeleton_dir', None, 'folder of <video>.txt skeleton files '
           '(default: searched in --src)', source=True),
    Option('label_dir', None, 'folder of <video>.txt label files (default: '
           'searched in --src)', source=True),
    Option('split_file', None, 'cross-subject split file (default: '
           'searched in --src)', source=True),
)
SOURCE = ('the extracted PKU-MMD release (skeleton folder, label folder and '
          'split file are found in it by content)')

_TRAIN_HEADER = re.compile(r'^\s*training\s+videos\s*:', re.I | re.M)
_VAL_HEADER = re.compile(r'^\s*valid(?:ation|ataion)\s+videos\s*:',
                         re.I | re.M)


class PKUMMDFormatError(ConversionError):
    """A PKU-MMD input file or folder is missing or malformed."""


def dataset_name(part: int) -> str:
    """Stem of the annotation pickle of ``part`` (``pku1_pstl``)."""
    return f'pku{part}_pstl'


def _check_part(part: int) -> None:
    if part not in NUM_CLASSES:
        raise ValueError(f'PKU-MMD part must be 1 or 2, got {part!r}')


def parse_split_file(path: str) -> Tuple[List[str], List[str]]:
    """Read the training and validation video ids of a split file.

    Args:
        path (str): ``cross-subject.txt`` / ``cross_subject_v2.txt``.

    Returns:
        tuple[list[str], list[str]]: Training ids, validation ids, in file
        order.

    Raises:
        PKUMMDFormatError: a header is missing, a list is empty or a video
            is in both lists (the message names the file).
    """
    with open(path, 'r', encoding='utf-8', errors='replace') as f:
        text = f.read()
    train = _TRAIN_HEADER.search(text)
    val = _VAL_HEADER.search(text)
    if train is None or val is None:
        missing = 'Training videos:' if train is None else \
            'Validation videos: (or Validataion videos:)'
        raise PKUMMDFormatError(
            f'{path}: not a PKU-MMD split file, no line {missing!r}')
    if val.start() < train.start():
        raise PKUMMDFormatError(
            f'{path}: the validation list comes before the training list')

    def ids(chunk: str) -> List[str]:
        return [v for v in re.split(r'[,\s]+', chunk) if v]

    train_ids = ids(text[train.end():val.start()])
    val_ids = ids(text[val.end():])
    for name, lst in (('training', train_ids), ('validation', val_ids)):
        if not lst:
            raise PKUMMDFormatError(f'{path}: the {name} video list is empty')
        dup = sorted({v for v in lst if lst.count(v) > 1})
        if dup:
            raise PKUMMDFormatError(
                f'{path}: {name} videos listed twice: {dup[:5]}')
    both = sorted(set(train_ids) & set(val_ids))
    if both:
        raise PKUMMDFormatError(
            f'{path}: videos in both the training and validation lists: '
            f'{both[:5]}')
    return train_ids, val_ids


def find_split_file(raw_dir: str, part: int) -> str:
    """Find the cross-subject split file of ``part`` under ``raw_dir``.

    Raises:
        PKUMMDFormatError: none or several found.
    """
    _check_part(part)
    names = SPLIT_FILE_NAMES[part]
    found = []
    for root, _, files in os.walk(raw_dir, followlinks=True):
        found += [osp.join(root, f) for f in files if f in names]
    if len(found) == 1:
        return found[0]
    if not found:
        raise PKUMMDFormatError(
            f'{raw_dir}: no PKU-MMD part {part} split file '
            f'({" or ".join(names)}) found; pass --split-file')
    raise PKUMMDFormatError(
        f'{raw_dir}: several split files found ({sorted(found)}); pass '
        '--split-file')


def _first_line(path: str) -> str:
    with open(path, 'r', encoding='utf-8', errors='replace') as f:
        for line in f:
            if line.strip():
                return line.strip()
    return ''


def _classify(line: str) -> Optional[str]:
    """``'skeleton'``, ``'label'`` or ``None`` from a file's first line."""
    if ',' in line and len(line.split(',')) in (3, 4):
        return 'label'
    if len(line.split()) == VALUES_PER_LINE:
        return 'skeleton'
    return None


def find_data_dirs(raw_dir: str,
                   video_ids: Iterable[str]) -> Dict[str, str]:
    """Find the skeleton and label folders of ``video_ids`` under ``raw_dir``.

    A folder qualifies when it holds ``<video>.txt`` files of the split; it
    is a skeleton folder when such a file starts with a line of 150 numbers
    and a label folder when it starts with a ``label,start,end,confidence``
    line. Ties are broken by the release's folder names.

    Returns:
        dict: ``{'skeleton': folder, 'label': folder}``.

    Raises:
        PKUMMDFormatError: a kind of folder is missing or ambiguous.
    """
    ids = set(video_ids)
    found: Dict[str, List[Tuple[int, str]]] = {'skeleton': [], 'label': []}
    for root, _, files in os.walk(raw_dir, followlinks=True):
        hits = sorted(f[:-4] for f in files
                      if f.endswith('.txt') and f[:-4] in ids)
        if not hits:
            continue
        kind = _classify(_first_line(osp.join(root, hits[0] + '.txt')))
        if kind is not None:
            found[kind].append((len(hits), root))
    result = {}
    names = dict(skeleton=SKELETON_DIR_NAMES, label=LABEL_DIR_NAMES)
    for kind, option in (('skeleton', '--skeleton-dir'),
                         ('label', '--label-dir')):
        cands = found[kind]
        if not cands:
            raise PKUMMDFormatError(
                f'{raw_dir}: no {kind} folder holding <video>.txt files of '
                f'the split found; pass {option}')
        best = max(n for n, _ in cands)
        cands = [d for n, d in cands if n == best]
        if len(cands) > 1:
            named = [d for d in cands if osp.basename(d) in names[kind]]
            if len(named) != 1:
                raise PKUMMDFormatError(
                    f'{raw_dir}: several {kind} folders found '
                    f'({sorted(cands)}); pass {option}')
            cands = named
        result[kind] = cands[0]
    return result


def read_skeleton_file(path: str) -> Tuple[np.ndarray, Dict[int, str]]:
    """Read a skeleton file.

    Trailing blank lines are ignored; every other line is a frame.

    Args:
        path (str): ``<video>.txt`` of the skeleton folder.

    Returns:
        tuple: (T, 150) float64 frames (unreadable lines are zero) and
        ``{0-based line index: what is wrong}`` for the unreadable lines.
    """
    with open(path, 'r', encoding='utf-8', errors='replace') as f:
        lines = f.read().splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    data = np.zeros((len(lines), VALUES_PER_LINE), np.float64)
    bad: Dict[int, str] = {}
    rows, tokens = [], []
    for i, line in enumerate(lines):
        parts = line.split()
        if len(parts) != VALUES_PER_LINE:
            bad[i] = f'expected {VALUES_PER_LINE} numbers, got {len(parts)}'
            continue
        rows.append(i)
        tokens.extend(parts)
    try:
        values = np.array(tokens, dtype=np.float64).reshape(
            -1, VALUES_PER_LINE)
    except ValueError:  # a token is not a number: find the lines
        ok, good = [], []
        for i in rows:
            try:
                good.append(np.array(lines[i].split(), dtype=np.float64))
                ok.append(i)
            except ValueError:
                bad[i] = 'a value is not a number'
        rows = ok
        values = np.stack(good) if good else np.zeros(
            (0, VALUES_PER_LINE))
    data[rows] = values
    for i in np.flatnonzero(~np.isfinite(data).all(axis=1)).tolist():
        bad[i] = 'NaN or infinite value'
        data[i] = 0
    return data, bad


def read_label_file(
        path: str, num_classes: int
) -> Tuple[List[Tuple[int, int, int, int]], List[Tuple[int, str]]]:
    """Read a label file.

    Args:
        path (str): ``<video>.txt`` of the label folder.
        num_classes (int): Labels must lie in 1..num_classes.

    Returns:
        tuple: ``[(k, label, start, end)]`` (1-based label; ``k`` the index
        of the line among the non-blank lines) and ``[(k, reason)]`` for
        unreadable lines (the reason names the file and the line number).
    """
    with open(path, 'r', encoding='utf-8', errors='replace') as f:
        lines = f.read().splitlines()
    intervals, bad = [], []
    k = -1
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        k += 1
        fields = [v.strip() for v in line.strip().rstrip(',').split(',')]
        where = f'unreadable label line {lineno} of {path}: {line.strip()!r}'
        if len(fields) not in (3, 4):
            bad.append((k, f'{where} (expected label,start,end,confidence)'))
            continue
        try:
            label, start, end = (int(v) for v in fields[:3])
            if len(fields) == 4:
                float(fields[3])
        except ValueError:
            bad.append((k, f'{where} (expected integers '
                        'label,start,end and a number confidence)'))
            continue
        if not 1 <= label <= num_classes:
            bad.append((k, f'{where} (label {label} outside '
                        f'1..{num_classes})'))
            continue
        intervals.append((k, label, start, end))
    return intervals, bad


def aimclr_clip_name(video: str, part: int, label: int, row: int) -> str:
    """The name CrosSCLR/AimCLR give a clip.

    Args:
        video (str): Video id (``0036-L`` in part I, ``A01N02-R`` in II).
        part (int): 1 or 2.
        label (int): 1-based class of the label row.
        row (int): 0-based index of the row in the label file.

    Returns:
        str: ``F036V001C014L007`` (part I) or ``A001N002V003C014L007``
        (part II): video number(s), view (L 001, M 002, R 003), class and
        1-based row, as ``tools/pku_part{1,2}_skeleton.py`` write them.

    Raises:
        ValueError: ``video`` is not an id of that part.
    """
    match = VIDEO_ID[part].match(video)
    if match is None:
        example = '0002-L' if part == 1 else 'A01N01-L'
        raise ValueError(f'video id {video!r} is not of the form {example}')
    *numbers, view = match.groups()
    if part == 1:
        stem = f'F{int(numbers[0]):03d}'
    else:
        stem = f'A0{numbers[0]}N0{numbers[1]}'
    return f'{stem}V{VIEW_CODES[view]}C{label:03d}L{row + 1:03d}'


def aimclr_body_slots(frames: np.ndarray) -> np.ndarray:
    """The raw body slots the AimCLR scripts make of a clip's lines.

    The second body is written only in frames where the sum of its 75
    values is not 0; clips longer than 300 frames keep their middle 300
    (``pku_read_skeleton.read_xyz``); the values become float32.

    Args:
        frames (np.ndarray): (T, 150) lines of the skeleton file.

    Returns:
        np.ndarray: (2, T', 25, 3) float32, T' = min(T, 300).
    """
    frames = np.array(frames, np.float64)
    frames[frames[:, 75:].sum(axis=1) == 0, 75:] = 0
    t = len(frames)
    if t > AIMCLR_MAX_FRAMES:
        first = (t - AIMCLR_MAX_FRAMES) // 2
        frames = frames[first:first + AIMCLR_MAX_FRAMES]
    slots = frames.reshape(len(frames), NUM_PERSON, NUM_JOINTS, 3)
    return slots.transpose(1, 0, 2, 3).astype(np.float32)


def cut_clips(video: str, skeleton: np.ndarray, bad_lines: Dict[int, str],
              skeleton_path: str, intervals: Sequence[Tuple[int, int, int,
                                                            int]],
              summary: ConversionSummary,
              num_frames: int = CLIP_LENGTH,
              preprocess: str = 'aimclr',
              part: int = 1) -> List[dict]:
    """One preprocessed clip per labelled interval of a video.

    ``preprocess='aimclr'``: the interval's frames are 1-based
    (``start - 1 .. end - 1``, as the AimCLR scripts cut them), the clip is
    named :func:`aimclr_clip_name` and goes through
    :func:`aimclr_body_slots` and
    :func:`~pstl_mm.datasets.aimclr.aimclr_position`. ``'normalize'``: the
    frames ``start .. end`` (0-based), the name ``f'{video}_{k:03d}'`` and
    :func:`~pstl_mm.converters.normalize.normalize_sequence`.

    Args:
        video (str): Video id.
        skeleton (np.ndarray): (T, 150) frames of :func:`read_skeleton_file`.
        bad_lines (dict): Its unreadable lines.
        skeleton_path (str): The skeleton file (for skip reasons).
        intervals (list): ``(k, label, start, end)`` of
            :func:`read_label_file`.
        summary (ConversionSummary): Receives the skipped clips.
        num_frames (int): Output length.
        preprocess (str): ``'aimclr'`` (default) or ``'normalize'``.
        part (int): 1 or 2 (the AimCLR names differ).

    Returns:
        list[dict]: Annotations ``frame_dir, label (0-based), keypoint
        (2, num_frames, 25, 3) float32, total_frames, original_frames``
        (the AimCLR length, or the number of valid frames).
    """
    t = len(skeleton)
    first = 1 if preprocess == 'aimclr' else 0  # number of the first frame
    clips = []
    for k, label, start, end in intervals:
        if preprocess == 'aimclr':
            name = aimclr_clip_name(video, part, label, k)
        else:
            name = f'{video}_{k:03d}'
        if end < start:
            summary.skip(name, 'empty interval (end frame before start)')
            continue
        lo, hi = start - first, end - first  # 0-based lines, inclusive
        if lo < 0 or hi >= t:
            summary.skip(name, 'interval outside the video')
            continue
        broken = [i for i in bad_lines if lo <= i <= hi]
        if broken:
            i = min(broken)
            summary.skip(
                name, f'unreadable skeleton line {i + 1} of {skeleton_path}: '
                f'{bad_lines[i]}')
            continue
        try:
            if preprocess == 'aimclr':
                keypoint, length = aimclr_position(
                    aimclr_body_slots(skeleton[lo:hi + 1]), num_frames)
            else:
                frames = skeleton[lo:hi + 1].reshape(
                    hi + 1 - lo, NUM_PERSON, NUM_JOINTS,
                    3).transpose(1, 0, 2, 3)
                keypoint, length = normalize_sequence(frames, LAYOUT,
                                                      num_frames)
        except ValueError as err:
            reason = str(err) if preprocess == 'aimclr' else \
                'no valid frame in the interval'
            summary.skip(name, reason)
            continue
        clips.append(
            dict(
                frame_dir=name,
                label=label - 1,
                keypoint=keypoint,
                total_frames=num_frames,
                original_frames=int(length)))
    return clips


def convert(src: Optional[str],
            out_dir: str,
            *,
            part: int,
            skeleton_dir: Optional[str] = None,
            label_dir: Optional[str] = None,
            split_file: Optional[str] = None,
            num_frames: int = CLIP_LENGTH,
            preprocess: str = 'aimclr',
            progress: bool = True) -> ConversionSummary:
    """Convert PKU-MMD part ``part`` (cross-subject) and write it.

    Writes ``{out_dir}/pku{part}_pstl.pkl`` with splits ``xsub_train`` and
    ``xsub_val`` and the CrosSCLR arrays under ``{out_dir}/xsub/``, with
    :func:`~pstl_mm.converters.writers.write_converted` once every video is
    converted.

    Args:
        src (str, optional): The raw release, searched for the split file
            and the skeleton and label folders not given.
        out_dir (str): Output folder.
        part (int): 1 or 2.
        skeleton_dir (str, optional): The skeleton folder.
        label_dir (str, optional): The label folder.
        split_file (str, optional): The cross-subject split file.
        num_frames (int): Frames per clip. Defaults to
            :data:`~pstl_mm.skeleton.CLIP_LENGTH`.
        preprocess (str): ``'aimclr'`` (default: the CrosSCLR/AimCLR
            scripts' clips, names and preprocessing, each split sorted by
            name) or ``'normalize'`` (see :func:`cut_clips`).
        progress (bool): Show a progress bar.

    Returns:
        ConversionSummary: The files written and the clips written and
        skipped (with reasons naming the file and line).

    Raises:
        PKUMMDFormatError: an input is missing or malformed, or a split
            ends up without any clip (nothing is written).
    """
    _check_part(part)
    PREPROCESS.validate(preprocess)
    if src is None and None in (skeleton_dir, label_dir, split_file):
        raise PKUMMDFormatError(
            'give --src, or all of --skeleton-dir, --label-dir and '
            '--split-file')
    if src is not None and not osp.isdir(src):
        raise PKUMMDFormatError(f'{src}: raw folder does not exist')
    for path, what in ((skeleton_dir, 'skeleton folder'),
                       (label_dir, 'label folder')):
        if path is not None and not osp.isdir(path):
            raise PKUMMDFormatError(f'{path}: {what} does not exist')
    if split_file is None:
        split_file = find_split_file(src, part)
    elif not osp.isfile(split_file):
        raise PKUMMDFormatError(f'{split_file}: split file does not exist')
    train_ids, val_ids = parse_split_file(split_file)
    if skeleton_dir is None or label_dir is None:
        dirs = find_data_dirs(src, train_ids + val_ids)
        skeleton_dir = skeleton_dir or dirs['skeleton']
        label_dir = label_dir or dirs['label']

    num_classes = NUM_CLASSES[part]
    summary = ConversionSummary()
    annotations: List[dict] = []
    splits: Dict[str, List[str]] = {s: [] for s in SPLITS}
    videos = [(v, SPLITS[0]) for v in train_ids] + \
        [(v, SPLITS[1]) for v in val_ids]
    for video, split in tqdm(videos, desc=f'PKU-MMD part {part}',
                             unit='video', disable=not progress):
        skel_path = osp.join(skeleton_dir, f'{video}.txt')
        label_path = osp.join(label_dir, f'{video}.txt')
        if not osp.isfile(skel_path):
            summary.skip(video, f'no skeleton file in {skeleton_dir}')
            continue
        if not osp.isfile(label_path):
            summary.skip(video, f'no label file in {label_dir}')
            continue
        if preprocess == 'aimclr' and not VIDEO_ID[part].match(video):
            summary.skip(video, f'video id of {split_file} not of the form '
                         f'the AimCLR names need ({VIDEO_ID[part].pattern})')
            continue
        intervals, bad_labels = read_label_file(label_path, num_classes)
        for k, reason in bad_labels:  # no class: no AimCLR name
            summary.skip(f'{video}_{k:03d}' if preprocess == 'normalize'
                         else f'{video} label row {k + 1}', reason)
        skeleton, bad_lines = read_skeleton_file(skel_path)
        clips = cut_clips(video, skeleton, bad_lines, skel_path, intervals,
                          summary, num_frames, preprocess, part)
        annotations += clips
        splits[split] += [c['frame_dir'] for c in clips]
    if preprocess == 'aimclr':
        annotations.sort(key=lambda ann: ann['frame_dir'])
        splits = {split: sorted(names) for split, names in splits.items()}
    for split, names in splits.items():
        if not names:
            raise PKUMMDFormatError(
                f'no clip converted for {split} (skeletons {skeleton_dir}, '
                f'labels {label_dir}, split {split_file}):\n'
                f'{summary.report()}')
    summary.written = len(annotations)
    summary.files = write_converted(out_dir, dataset_name(part), annotations,
                                    splits)
    return summary


def check(out_dir: str,
          *,
          part: int,
          num_frames: Optional[int] = CLIP_LENGTH) -> CheckReport:
    """Validate a converted output without rewriting it.

    :func:`~pstl_mm.converters.check.check_converted` of
    ``{out_dir}/pku{part}_pstl.pkl`` with splits ``xsub_train`` and
    ``xsub_val`` (2 persons, layout ``nturgb+d``, 51 / 41 classes; an empty
    split is a problem).

    Args:
        out_dir (str): The folder given to :func:`convert`.
        part (int): 1 or 2.
        num_frames (int, optional): Expected frames per clip; ``None``
            skips that check.

    Returns:
        CheckReport: What was checked and the problems found.
    """
    _check_part(part)
    return check_converted(out_dir, dataset_name(part), SPLITS, LAYOUT,
                           NUM_PERSON, NUM_CLASSES[part], num_frames)
