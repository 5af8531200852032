"""NW-UCLA (Northwestern-UCLA Multiview Action 3D) skeletons -> PSTL clips.

Input: the ``all_sqe`` release of CTR-GCN, either as a tar archive (read as
a stream, nothing is extracted) or as a folder holding ``all_sqe/``. Every
``all_sqe/<name>.json`` is ``{"file_name": name, "skeletons":
float[T][20][3], "label": 1..10}`` with ``name = aXX_sYY_eZZ_vWW`` (action,
subject, episode, view). One person, Kinect v1 joint order (layout
``kinect_v1``). Other members (e.g. ``val_label.pkl``) are ignored and
never unpickled.

Output: ``nw_ucla_pstl.pkl`` with the cross-view splits ``xview_train``
(views 1 and 2) and ``xview_val`` (view 3); each clip is (1, T, 20, 3)
preprocessed by :func:`~pstl_mm.converters.normalize.normalize_sequence`,
label 0..9 (JSON label - 1). Clips of one frame are valid (repeated to T).

The converter interface (:mod:`~pstl_mm.converters.interface`) serves the
DATASET name ``nw_ucla``: :func:`convert` and :func:`check`; the command
line is ``tools/data/convert.py nw_ucla --src nw_ucla_all_sqe.tgz
--out-dir data/nw_ucla``.
"""
import json
import os
import os.path as osp
import re
import tarfile
from typing import Dict, Iterator, Optional, Tuple

import numpy as np
from tqdm import tqdm

from ..skeleton import CLIP_LENGTH
from .check import check_converted
from .interface import (NUM_FRAMES, CheckReport, ConversionError,
                        ConversionSummary)
from .normalize import normalize_sequence
from .writers import write_converted

LAYOUT = 'kinect_v1'
NAME = 'nw_ucla_pstl'
NUM_PERSON = 1
NUM_JOINTS = 20
NUM_CLASSES = 10
# The action ids of the release, in label order (label 1 = a01, ...).
ACTION_IDS = (1, 2, 3, 4, 5, 6, 8, 9, 11, 12)
SPLIT_VIEWS = {'xview_train': (1, 2), 'xview_val': (3, )}
SPLITS = tuple(SPLIT_VIEWS)
MEMBER_DIR = 'all_sqe'
_NAME = re.compile(r'^a(\d{2})_s(\d{2})_e(\d{2})_v(\d{2})$')

# The converter interface (see pstl_mm.converters.interface).
VARIANTS = {'nw_ucla': {}}
OPTIONS = (NUM_FRAMES, )
SOURCE = ('the all_sqe archive (nw_ucla_all_sqe.tgz, read as a stream) or a '
          'folder holding all_sqe/')


class NWUCLAFormatError(ConversionError):
    """An NW-UCLA source or one of its JSON files is malformed."""


def iter_json(src: str) -> Iterator[Tuple[str, str, bytes]]:
    """Yield ``(where, stem, raw bytes)`` of every ``all_sqe/*.json``.

    Args:
        src (str): A tar archive (any compression ``tarfile`` reads) or a
            folder holding ``all_sqe/`` (or the ``all_sqe`` folder itself).

    Yields:
        tuple: ``where`` names the archive and member (or the file), for
        error messages.

    Raises:
        NWUCLAFormatError: ``src`` is neither a readable archive nor a
            folder with the JSON files.
    """
    if osp.isdir(src):
        folder = osp.join(src, MEMBER_DIR)
        if not osp.isdir(folder):
            if osp.basename(osp.normpath(src)) != MEMBER_DIR:
                raise NWUCLAFormatError(
                    f'{src}: folder without {MEMBER_DIR}/ (give the .tgz '
                    f'or the folder holding {MEMBER_DIR}/)')
            folder = src
        for fname in sorted(os.listdir(folder)):
            if fname.endswith('.json'):
                path = osp.join(folder, fname)
                with open(path, 'rb') as f:
                    yield path, fname[:-5], f.read()
        return
    if not osp.isfile(src):
        raise NWUCLAFormatError(f'{src}: no such archive or folder')
    try:
        tar = tarfile.open(src, 'r|*')
    except (tarfile.TarError, OSError) as e:
        raise NWUCLAFormatError(f'{src}: not a readable tar archive ({e})')
    with tar:
        try:
            for member in tar:
                parts = member.name.replace('\\', '/').split('/')
                if not (member.isfile() and len(parts) >= 2
                        and parts[-2] == MEMBER_DIR
                        and parts[-1].endswith('.json')):
                    continue
                f = tar.extractfile(member)
                yield f'{src}:{member.name}', parts[-1][:-5], f.read()
        except (tarfile.TarError, OSError, EOFError) as e:
            raise NWUCLAFormatError(f'{src}: corrupt archive ({e})')


def parse_clip(where: str, stem: str, raw: bytes) -> dict:
    """Validate and decode one JSON file.

    Args:
        where (str): Archive member or file, for error messages.
        stem (str): File name without ``.json``.
        raw (bytes): Its content.

    Returns:
        dict: ``name``, ``label`` (1..10), ``view`` (1..3) and ``skeletons``
        (T, 20, 3) float64.

    Raises:
        NWUCLAFormatError: naming ``where`` and what is wrong.
    """

    def fail(msg: str) -> NWUCLAFormatError:
        return NWUCLAFormatError(f'{where}: {msg}')

    match = _NAME.match(stem)
    if match is None:
        raise fail(f'file name {stem!r} is not aXX_sYY_eZZ_vWW')
    action, view = int(match.group(1)), int(match.group(4))
    if action not in ACTION_IDS:
        raise fail(f'unknown action id a{action:02d} (known: '
                   f'{", ".join(f"a{a:02d}" for a in ACTION_IDS)})')
    if view not in (1, 2, 3):
        raise fail(f'view v{view:02d} is not 1, 2 or 3')
    try:
        obj = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as e:
        raise fail(f'not valid JSON ({e})')
    if not isinstance(obj, dict):
        raise fail(f'expected a JSON object, got {type(obj).__name__}')
    missing = [k for k in ('file_name', 'skeletons', 'label') if k not in obj]
    if missing:
        raise fail(f'missing key(s) {missing}')
    if obj['file_name'] != stem:
        raise fail(f'file_name {obj["file_name"]!r} differs from the file '
                   f'name {stem!r}')
    label = obj['label']
    if isinstance(label, bool) or not isinstance(label, int) or not (
            1 <= label <= NUM_CLASSES):
        raise fail(f'label {label!r} is not an integer in 1..{NUM_CLASSES}')
    if ACTION_IDS[label - 1] != action:
        raise fail(f'label {label} does not match action a{action:02d} '
                   f'(expected label {ACTION_IDS.index(action) + 1})')
    skel = obj['skeletons']
    if not isinstance(skel, list) or not skel:
        raise fail("'skeletons' must be a non-empty list of frames")
    try:
        arr = np.array(skel, dtype=np.float64)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.ndim != 3 or arr.shape[1:] != (NUM_JOINTS, 3):
        shape = None if arr is None else arr.shape
        raise fail(f"'skeletons' must be numbers of shape (T, {NUM_JOINTS}, "
                   f'3), got {shape or "a ragged or non-numeric list"}')
    if not np.isfinite(arr).all():
        frame = int(np.argwhere(~np.isfinite(arr))[0][0])
        raise fail(f"'skeletons' holds NaN/inf (first in frame {frame})")
    return dict(name=stem, label=label, view=view, skeletons=arr)


def convert(src: str,
            out_dir: str,
            *,
            num_frames: int = CLIP_LENGTH,
            progress: bool = True) -> ConversionSummary:
    """Convert NW-UCLA (cross-view) and write it.

    Every clip is read and preprocessed first; the files are written with
    :func:`~pstl_mm.converters.writers.write_converted` at the end.

    Args:
        src (str): The archive or the folder holding ``all_sqe/``.
        out_dir (str): Output folder; receives ``nw_ucla_pstl.pkl`` and
            ``xview/{train,val}_{data_joint.npy,label.pkl}``.
        num_frames (int): Frames per clip. Defaults to
            :data:`~pstl_mm.skeleton.CLIP_LENGTH`.
        progress (bool): Show a progress bar.

    Returns:
        ConversionSummary: The files written and the clips written and
        skipped.

    Raises:
        NWUCLAFormatError: the source is unreadable, a JSON file is
            malformed (named), a name repeats, or a split is empty
            (nothing is written).
    """
    summary = ConversionSummary()
    by_name: Dict[str, dict] = {}
    views: Dict[str, int] = {}
    for where, stem, raw in tqdm(iter_json(src), desc='NW-UCLA',
                                 unit='clip', disable=not progress):
        clip = parse_clip(where, stem, raw)
        if stem in by_name or stem in views:
            raise NWUCLAFormatError(f'{where}: clip {stem!r} appears twice')
        views[stem] = clip['view']
        kp = clip['skeletons'][None]  # (1, T, V, 3)
        try:
            keypoint, n_valid = normalize_sequence(kp, LAYOUT, num_frames)
        except ValueError:
            summary.skip(stem, 'no valid frame (every joint is 0)')
            continue
        by_name[stem] = dict(
            frame_dir=stem,
            label=clip['label'] - 1,
            keypoint=keypoint,
            total_frames=num_frames,
            original_frames=int(n_valid))
    if not views:
        raise NWUCLAFormatError(
            f'{src}: no {MEMBER_DIR}/*.json file found')
    names = sorted(by_name)
    splits = {
        split: [n for n in names if views[n] in wanted]
        for split, wanted in SPLIT_VIEWS.items()
    }
    for split, lst in splits.items():
        if not lst:
            raise NWUCLAFormatError(
                f'{src}: no clip of view(s) {SPLIT_VIEWS[split]} for {split}')
    annotations = [by_name[n] for n in names]
    summary.written = len(annotations)
    summary.files = write_converted(out_dir, NAME, annotations, splits)
    return summary


def check(out_dir: str,
          *,
          num_frames: Optional[int] = CLIP_LENGTH) -> CheckReport:
    """Validate a converted output without rewriting it.

    :func:`~pstl_mm.converters.check.check_converted` of
    ``{out_dir}/nw_ucla_pstl.pkl`` with splits ``xview_train`` and
    ``xview_val`` (1 person, layout ``kinect_v1``, 10 classes; an empty
    split is a problem).

    Args:
        out_dir (str): The folder given to :func:`convert`.
        num_frames (int, optional): Expected frames per clip; ``None``
            skips that check.

    Returns:
        CheckReport: What was checked and the problems found.
    """
    return check_converted(out_dir, NAME, SPLITS, LAYOUT, NUM_PERSON,
                           NUM_CLASSES, num_frames)
