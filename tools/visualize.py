"""Pictures of PSTL's data.

Sub-commands::

    python tools/visualize.py views CFG --index I [--out-dir DIR]
        [--ann-file PKL] [--split NAME] [--format gif|png] [--seed S]
    python tools/visualize.py tsne CFG CKPT [--out-dir DIR] [--ann-file PKL]
        [--split NAME] [--features NPZ] [--max-samples N] [--seed S]

``views`` draws one training sample of a pretraining config and every view
its ``MultiView`` makes of it (e.g. anchor, spatial, temporal) side by side,
as 2-D stick figures (x-y front view): joints removed by a spatial mask are
red crosses with grey dashed bones, frames removed by a temporal mask are
marked "removed" in their panel, and a strip under every panel shows which
frames the view kept (green) or removed (red). ``--format gif`` writes an
animation over the frames, ``png`` a grid of six frames per view. It prints
the path written and a one-line summary of the sample.

``tsne`` embeds the encoder features (pooled over time, joints and persons)
of a config's test samples (else its training samples) from a checkpoint
(pretraining, linear or finetuning: its ``backbone.*`` weights) with t-SNE
and writes a PNG of the 2-D map coloured by class (features through
:mod:`pstl_mm.apis`, or read from ``--features``, the ``.npz`` of
``tools/extract_features.py``).

Frame numbers are those of each view before its temporal mask, i.e. of the
sequence after the view's crop (``TemporalPadCrop`` keeps T frames, shifted
in time against the original by the drawn crop start).
"""
import argparse
import os
import os.path as osp
import re
import sys
import time
from typing import Dict, List, Optional, Sequence

import matplotlib

matplotlib.use('Agg')

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.animation import FuncAnimation, PillowWriter  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402
from PIL import Image  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

PERSON_COLOURS = ('tab:blue', 'tab:orange', 'tab:purple', 'tab:brown')
MASKED_BONE_COLOUR = '0.75'
MASKED_JOINT_COLOUR = 'red'
KEPT_COLOUR = '#4caf50'
REMOVED_COLOUR = '#e53935'
REMOVED_FACE = '#fdecec'
PNG_FRAMES = 6


# ------------------------------------------------------------------ data


class View:
    """One panel's data: a sequence and what its masks removed.

    Args:
        name (str): Panel title (``'original'`` or the view's name).
        keypoint (np.ndarray): (M, T', V, C) coordinates.
        joint_mask (np.ndarray, optional): (V,) bool, True = removed joint.
        kept_frames (np.ndarray, optional): (T',) ascending frame indices the
            temporal mask kept; ``None``: the frames are ``0 .. T'-1``.
    """

    def __init__(self,
                 name: str,
                 keypoint: np.ndarray,
                 joint_mask: Optional[np.ndarray] = None,
                 kept_frames: Optional[np.ndarray] = None) -> None:
        self.name = name
        self.keypoint = np.asarray(keypoint, dtype=np.float64)
        self.joint_mask = (None if joint_mask is None else np.asarray(
            joint_mask, dtype=bool))
        num_rows = self.keypoint.shape[1]
        self.kept_frames = (np.arange(num_rows) if kept_frames is None else
                            np.asarray(kept_frames, dtype=np.int64))
        self.temporal = kept_frames is not None
        self._row_of = {int(f): r for r, f in enumerate(self.kept_frames)}

    @property
    def num_frames(self) -> int:
        """Frames spanned before temporal masking (last kept index + 1)."""
        return int(self.kept_frames.max()) + 1 if len(self.kept_frames) else 0

    def row(self, frame: int) -> Optional[int]:
        """Row of ``keypoint`` holding ``frame``; ``None`` if removed."""
        return self._row_of.get(int(frame))

    def masked_joints(self) -> List[int]:
        """Indices of the removed joints, ascending."""
        if self.joint_mask is None:
            return []
        return [int(j) for j in np.flatnonzero(self.joint_mask)]


def build_dataset(config: str,
                  ann_file: Optional[str] = None,
                  split: Optional[str] = None,
                  seed: Optional[int] = None):
    """Build the training dataset of a config.

    Random transforms get their seed as in a training run: those without a
    ``seed`` of their own take the config's ``randomness.seed``. ``seed``
    given sets the seed of every random transform instead.

    Args:
        config (str): Config file.
        ann_file (str, optional): Replaces the dataset's ``ann_file``.
        split (str, optional): Replaces the dataset's ``split``.
        seed (int, optional): Seed of every random transform.

    Returns:
        tuple: The dataset and the seed its random transforms were given
        (``None`` where they kept their own).
    """
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
    import pstl_mm  # noqa: F401
    from mmaction.registry import DATASETS

    cfg = Config.fromfile(config)
    dataset_cfg = cfg.train_dataloader.dataset
    if ann_file is not None:
        dataset_cfg.ann_file = ann_file
    if split is not None:
        dataset_cfg.split = split
    force = seed is not None
    if seed is None:
        seed = (cfg.get('randomness') or {}).get('seed')
    if seed is not None:
        _seed_transforms(dataset_cfg.pipeline, int(seed), force)
    return DATASETS.build(dataset_cfg), seed


def _seed_transforms(node, seed: int, force: bool) -> None:
    """Give every random transform config under ``node`` the seed ``seed``.

    Args:
        node: A pipeline config (nested lists and dicts).
        seed (int): The seed.
        force (bool): Replace seeds the configs already set.
    """
    from mmaction.registry import TRANSFORMS
    from pstl_mm.datasets.transforms.seeded import SeededTransform
    if isinstance(node, (list, tuple)):
        for item in node:
            _seed_transforms(item, seed, force)
        return
    if not isinstance(node, dict):
        return
    kind = node.get('type')
    cls = TRANSFORMS.get(kind) if isinstance(kind, str) else kind
    if isinstance(cls, type) and issubclass(cls, SeededTransform) and (
            force or node.get('seed') is None):
        node['seed'] = seed
    for value in node.values():
        if isinstance(value, (list, tuple, dict)):
            _seed_transforms(value, seed, force)


def make_views(dataset, index: int) -> Dict:
    """Run the dataset's ``MultiView`` on its raw sample ``index``.

    The transforms before ``MultiView`` in the dataset's pipeline (e.g. the
    stream's) run first; those after it (packing) are skipped.

    Args:
        dataset: A dataset whose pipeline holds a ``MultiView``.
        index (int): Sample index.

    Returns:
        dict: ``info`` (the raw sample dict, ``keypoint`` excluded) and
        ``views`` (list of :class:`View`, the original first).

    Raises:
        ValueError: The pipeline has no ``MultiView`` or ``index`` is out
            of range.
    """
    from pstl_mm.datasets.transforms.views import MultiView
    if not -len(dataset) <= index < len(dataset):
        raise ValueError(f'--index {index} out of range: the dataset has '
                         f'{len(dataset)} samples')
    transforms = list(dataset.pipeline.transforms)
    where = [i for i, t in enumerate(transforms) if isinstance(t, MultiView)]
    if not where:
        raise ValueError('the dataset pipeline has no MultiView: '
                         f'{[type(t).__name__ for t in transforms]}')
    results = dataset.get_data_info(index)
    for transform in transforms[:where[0]]:
        results = transform(results)
    multiview = transforms[where[0]]
    original = results['keypoint']
    out = multiview(results)
    views = [View('original', original)]
    for name, view in out['views'].items():
        views.append(
            View(name, view['keypoint'], view.get('joint_mask'),
                 view.get('kept_frames')))
    info = {k: v for k, v in results.items() if k != 'keypoint'}
    return dict(info=info, views=views)


def active_persons(keypoint: np.ndarray) -> List[int]:
    """Persons with any non-zero coordinate (padding persons are all 0)."""
    persons = [m for m in range(keypoint.shape[0]) if np.any(keypoint[m])]
    return persons or [0]


def summary_line(info: Dict, views: Sequence[View], joint_names) -> str:
    """One line: sample, label, masked joints by name, frames kept per view.

    Example: ``sample S001C001P001R001A001 | label 0 | masked joints:
    spatial=[neck, head] | frames kept: anchor 50/50, temporal 30/50``.
    """
    masked = [
        f'{v.name}=[{", ".join(joint_names[j] for j in v.masked_joints())}]'
        for v in views[1:] if v.joint_mask is not None
    ]
    total = views[0].keypoint.shape[1]
    kept = [f'{v.name} {len(v.kept_frames)}/{total}' for v in views[1:]]
    return (f'sample {info.get("frame_dir")} | label {info.get("label")} | '
            f'masked joints: {"; ".join(masked) or "none"} | '
            f'frames kept: {", ".join(kept)}')


# --------------------------------------------------------------- drawing


class SkeletonPanel:
    """A view drawn as 2-D (x-y) stick figures, redrawable per frame.

    Args:
        ax (matplotlib.axes.Axes): Where to draw.
        view (View): The view.
        parents (Sequence[int]): Bone parent of every joint.
        persons (Sequence[int]): Persons to draw.
    """

    def __init__(self, ax, view: View, parents: Sequence[int],
                 persons: Sequence[int]) -> None:
        self.ax = ax
        self.view = view
        self.persons = list(persons)
        bones = [(v, p) for v, p in enumerate(parents) if v != p]
        mask = (view.joint_mask if view.joint_mask is not None else np.zeros(
            len(parents), dtype=bool))
        self.kept_bones = np.array(
            [b for b in bones if not (mask[b[0]] or mask[b[1]])],
            dtype=np.int64).reshape(-1, 2)
        self.masked_bones = np.array(
            [b for b in bones if mask[b[0]] or mask[b[1]]],
            dtype=np.int64).reshape(-1, 2)
        self.kept_joints = np.flatnonzero(~mask)
        self.masked_joints = np.flatnonzero(mask)

        xy = view.keypoint[self.persons][..., :2].reshape(-1, 2)
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        centre, half = (lo + hi) / 2, max(float((hi - lo).max()) / 2, 1e-3)
        half *= 1.1
        ax.set_xlim(centre[0] - half, centre[0] + half)
        ax.set_ylim(centre[1] - half, centre[1] + half)
        ax.set_aspect('equal')
        # Hidden axes are not drawn: a GIF frame draws much faster.
        ax.xaxis.set_visible(False)
        ax.yaxis.set_visible(False)

        self.artists = []
        for k, _ in enumerate(self.persons):
            colour = PERSON_COLOURS[k % len(PERSON_COLOURS)]
            kept = LineCollection([], colors=colour, linewidths=2.0)
            masked = LineCollection([],
                                    colors=MASKED_BONE_COLOUR,
                                    linewidths=1.5,
                                    linestyles='dashed')
            ax.add_collection(masked)
            ax.add_collection(kept)
            dots = ax.scatter([], [], s=9, c=colour, zorder=3)
            crosses = ax.scatter([], [],
                                 s=40,
                                 c=MASKED_JOINT_COLOUR,
                                 marker='x',
                                 linewidths=1.8,
                                 zorder=4)
            self.artists.append((kept, masked, dots, crosses))
        self.label = ax.text(
            0.03,
            0.97,
            '',
            transform=ax.transAxes,
            va='top',
            fontsize=8,
            zorder=5,
            bbox=dict(facecolor='white', alpha=0.7, edgecolor='none', pad=1))
        self.removed = ax.text(
            0.5,
            0.5,
            '',
            transform=ax.transAxes,
            ha='center',
            va='center',
            fontsize=12,
            fontweight='bold',
            color=REMOVED_COLOUR,
            zorder=5)

    def update(self, frame: int) -> None:
        """Show ``frame`` (index before temporal masking)."""
        row = self.view.row(frame)
        if row is None:
            gone = frame < self.view.num_frames or self.view.temporal
            self.ax.set_facecolor(REMOVED_FACE if gone else '0.95')
            self.removed.set_text(
                f'frame {frame}\nremoved' if gone else 'no frame')
            self.label.set_text('')
            for kept, masked, dots, crosses in self.artists:
                kept.set_segments([])
                masked.set_segments([])
                dots.set_offsets(np.empty((0, 2)))
                crosses.set_offsets(np.empty((0, 2)))
            return
        self.ax.set_facecolor('white')
        self.removed.set_text('')
        text = f'frame {frame}'
        if self.view.temporal:
            text += f' (kept #{row})'
        self.label.set_text(text)
        for person, (kept, masked, dots, crosses) in zip(
                self.persons, self.artists):
            xy = self.view.keypoint[person, row, :, :2]
            kept.set_segments(xy[self.kept_bones])
            masked.set_segments(xy[self.masked_bones])
            dots.set_offsets(xy[self.kept_joints])
            crosses.set_offsets(xy[self.masked_joints])


def draw_timeline(ax, view: View, num_frames: int,
                  marks: Sequence[int] = ()) -> None:
    """Strip of ``num_frames`` cells: kept green, removed red.

    Args:
        ax (matplotlib.axes.Axes): Where to draw.
        view (View): The view.
        num_frames (int): Frames on the strip.
        marks (Sequence[int]): Frames to tick (those drawn above).
    """
    kept = np.zeros(num_frames, dtype=bool)
    kept[view.kept_frames[view.kept_frames < num_frames]] = True
    colours = np.where(kept[None, :, None],
                       np.array(to_rgb(KEPT_COLOUR)),
                       np.array(to_rgb(REMOVED_COLOUR)))
    ax.imshow(colours, aspect='auto', extent=(-0.5, num_frames - 0.5, 0, 1),
              interpolation='nearest')
    for mark in marks:
        ax.axvline(mark, color='black', linewidth=1.2)
    ax.yaxis.set_visible(False)
    ax.set_xlim(-0.5, num_frames - 0.5)
    ax.tick_params(axis='x', labelsize=7, length=2, pad=1)
    ax.set_xlabel(f'kept {int(kept.sum())}/{num_frames} frames',
                  fontsize=7,
                  labelpad=1)


def _panel_title(view: View) -> str:
    """Panel title: the view's name and what its masks removed."""
    title = view.name
    masked = view.masked_joints()
    if masked:
        title += f'\n{len(masked)} joints masked (red x)'
    if view.temporal:
        title += f'\n{len(view.kept_frames)} frames kept'
    return title


def _png_frames(views: Sequence[View], num_frames: int) -> List[int]:
    """Six evenly spaced frames, one swapped for a removed one if none is."""
    frames = sorted(
        set(np.linspace(0, num_frames - 1, PNG_FRAMES).round().astype(int)))
    removed = sorted({
        f
        for v in views if v.temporal for f in range(num_frames)
        if v.row(f) is None
    })
    if removed and not any(f in removed for f in frames):
        middle = len(frames) // 2
        nearest = min(removed, key=lambda f: abs(f - frames[middle]))
        frames[middle] = nearest
        frames = sorted(set(frames))
    return [int(f) for f in frames]


class CanvasPillowWriter(PillowWriter):
    """:class:`PillowWriter` that reads the frame off the Agg canvas.

    ``FuncAnimation`` has already drawn every frame when the writer grabs
    it; reading the canvas' buffer (drawing only if the figure is stale)
    replaces ``PillowWriter``'s ``savefig``, which draws it twice more.
    Frames are stored as 64-colour palette images.
    """

    def grab_frame(self, **savefig_kwargs) -> None:
        """Append the canvas' current picture to the frames."""
        canvas = self.fig.canvas
        if self.fig.stale or getattr(canvas, 'renderer', None) is None:
            canvas.draw()
        rgb = np.asarray(canvas.buffer_rgba())[..., :3].copy()
        # A fast palette of the few colours the figure uses (Pillow's own
        # conversion when saving the GIF is several times slower).
        self._frames.append(
            Image.fromarray(rgb, 'RGB').quantize(
                colors=64, method=Image.Quantize.FASTOCTREE))


def _figure(rows: int, cols: int, dpi: int) -> tuple:
    """A figure of ``rows`` x ``cols`` square panels and a strip under each
    column, laid out once in inches (no layout engine: frames draw fast).

    Returns:
        tuple: The figure, the panels' axes (``[row][col]``) and the strips'
        axes (``[col]``).
    """
    cell, gap, vgap = 2.5, 0.12, 0.06
    top, strip, bottom = 1.0, 0.22, 0.45
    width = cols * cell + (cols + 1) * gap
    height = top + rows * cell + (rows - 1) * vgap + gap + strip + bottom
    fig = plt.figure(figsize=(width, height), dpi=dpi)

    def box(left, lower, w, h):
        return [left / width, lower / height, w / width, h / height]

    axes = []
    for r in range(rows):
        lower = height - top - (r + 1) * cell - r * vgap
        axes.append([
            fig.add_axes(box(gap + c * (cell + gap), lower, cell, cell))
            for c in range(cols)
        ])
    strips = [
        fig.add_axes(box(gap + c * (cell + gap), bottom, cell, strip))
        for c in range(cols)
    ]
    return fig, axes, strips


def render(views: Sequence[View],
           layout,
           path: str,
           fmt: str,
           title: str,
           fps: int = 10) -> None:
    """Draw the views side by side and write a GIF or PNG.

    Args:
        views (Sequence[View]): The panels, left to right.
        layout: The skeleton layout (``parents``).
        path (str): File to write.
        fmt (str): ``'gif'`` (animation over the frames) or ``'png'`` (a
            grid of six frames per view).
        title (str): Figure title.
        fps (int): GIF frame rate.
    """
    num_frames = max(v.num_frames for v in views)
    persons = active_persons(views[0].keypoint)
    frames = (list(range(num_frames))
              if fmt == 'gif' else _png_frames(views, num_frames))
    rows = 1 if fmt == 'gif' else len(frames)
    cols = len(views)
    fig, axes, strips = _figure(rows, cols, dpi=80 if fmt == 'gif' else 100)
    fig.suptitle(
        title, fontsize=8, y=1 - 0.06 / fig.get_figheight(), va='top')
    panels = []
    for r in range(rows):
        for c, view in enumerate(views):
            panel = SkeletonPanel(axes[r][c], view, layout.parents, persons)
            if r == 0:
                axes[r][c].set_title(_panel_title(view), fontsize=9)
            panel.update(frames[r] if fmt == 'png' else 0)
            panels.append(panel)
    cursors = []
    for c, view in enumerate(views):
        draw_timeline(strips[c], view, num_frames,
                      frames if fmt == 'png' else ())
        if fmt == 'gif':
            cursors.append(strips[c].axvline(0, color='black', lw=2))

    if fmt == 'png':
        fig.savefig(path)
        plt.close(fig)
        return

    def step(frame):
        for panel in panels:
            panel.update(frame)
        for cursor in cursors:
            cursor.set_xdata([frame, frame])
        return []

    animation = FuncAnimation(fig, step, frames=frames, blit=False)
    animation.save(path, writer=CanvasPillowWriter(fps=fps))
    plt.close(fig)


# ------------------------------------------------------------ sub-commands


def views_command(args: argparse.Namespace) -> int:
    """The ``views`` sub-command: draw a sample and its views.

    Args:
        args (argparse.Namespace): Parsed arguments of ``views``.

    Returns:
        int: Exit status (0).
    """
    from pstl_mm.skeleton import get_layout
    start = time.perf_counter()
    dataset, seed = build_dataset(args.config, args.ann_file, args.split,
                                  args.seed)
    made = make_views(dataset, args.index)
    views, info = made['views'], made['info']
    layout = get_layout(info.get('layout', dataset.layout.name))
    summary = summary_line(info, views, layout.joint_names)

    stream = getattr(dataset, 'stream', 'joint')
    title = (f'{info.get("frame_dir")}  (label {info.get("label")}, '
             f'sample {args.index}, seed {seed}, stream {stream})\n'
             'red x: masked joint, grey dashes: its bones; red panel: frame '
             'removed; strips: frames kept (green) / removed (red)')
    if stream != 'joint':
        title += f'\n{stream} stream: the figures draw {stream} vectors'
    os.makedirs(args.out_dir, exist_ok=True)
    name = re.sub(r'[^A-Za-z0-9_.-]+', '_', str(info.get('frame_dir')))
    path = osp.join(args.out_dir, f'views_{args.index}_{name}.{args.format}')
    render(views, layout, path, args.format, title)
    print(f'wrote {path} ({time.perf_counter() - start:.1f} s)')
    print(summary)
    return 0


def tsne_command(args: argparse.Namespace) -> int:
    """The ``tsne`` sub-command: a t-SNE map of encoder features.

    Args:
        args (argparse.Namespace): Parsed arguments of ``tsne``.

    Returns:
        int: Exit status (0).
    """
    from sklearn.manifold import TSNE

    if args.features:
        saved = np.load(args.features)
        feats, labels = saved['features'], saved['labels']
        rng = np.random.default_rng(args.seed)
        count = min(args.max_samples, len(feats))
        keep = np.sort(rng.choice(len(feats), size=count, replace=False))
        feats, labels = feats[keep], labels[keep]
    else:
        from pstl_mm.apis import (build_clip_dataset, dataset_features,
                                  init_encoder)
        encoder = init_encoder(args.config, args.checkpoint)
        dataset = build_clip_dataset(args.config, args.ann_file, args.split)
        rng = np.random.default_rng(args.seed)
        count = min(args.max_samples, len(dataset))
        indices = np.sort(rng.choice(len(dataset), size=count, replace=False))
        out = dataset_features(encoder, dataset, indices)
        feats, labels = out['features'], out['labels']
    perplexity = min(args.perplexity, max(2.0, (count - 1) / 3))
    points = TSNE(
        n_components=2,
        perplexity=perplexity,
        init='pca',
        random_state=args.seed).fit_transform(feats)
    fig, ax = plt.subplots(figsize=(7, 6), dpi=120)
    classes = np.unique(labels)
    cmap = plt.get_cmap('tab20' if len(classes) <= 20 else 'turbo')
    for k, label in enumerate(classes):
        sel = labels == label
        ax.scatter(points[sel, 0], points[sel, 1], s=8,
                   color=cmap(k / max(len(classes) - 1, 1)),
                   label=str(label))
    if len(classes) <= 20:
        ax.legend(title='class', fontsize=7, markerscale=2, loc='best')
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f't-SNE of {count} encoder features\n'
                 f'{osp.basename(args.config)}, '
                 f'{osp.basename(args.checkpoint)}', fontsize=9)
    os.makedirs(args.out_dir, exist_ok=True)
    stem = osp.splitext(osp.basename(args.config))[0]
    path = osp.join(args.out_dir, f'tsne_{stem}.png')
    fig.savefig(path, bbox_inches='tight')
    plt.close(fig)
    print(f'wrote {path}: {count} samples, {len(classes)} classes')
    return 0


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line; every sub-command sets ``args.func``."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    commands = parser.add_subparsers(dest='command', required=True)

    views = commands.add_parser(
        'views',
        help='draw a training sample and the views MultiView makes of it')
    views.add_argument('config', help='pretraining config file')
    views.add_argument(
        '--index', type=int, required=True, help='sample index')
    views.add_argument(
        '--out-dir',
        default=osp.join('work_dirs', 'visualize'),
        help='folder to write to (default: work_dirs/visualize)')
    views.add_argument(
        '--ann-file', help="replaces the training dataset's ann_file")
    views.add_argument('--split', help="replaces the training dataset's split")
    views.add_argument(
        '--format',
        choices=('gif', 'png'),
        default='gif',
        help='gif: animation over the frames; png: six frames per view')
    views.add_argument(
        '--seed',
        type=int,
        help='seed of every random transform (default: the config\'s '
        'randomness.seed, as in a training run)')
    views.set_defaults(func=views_command)

    tsne = commands.add_parser(
        'tsne', help='t-SNE map of encoder features, coloured by class')
    tsne.add_argument('config', help='config whose model and data to use')
    tsne.add_argument('checkpoint', help='checkpoint with backbone.* keys')
    tsne.add_argument(
        '--out-dir',
        default=osp.join('work_dirs', 'visualize'),
        help='folder to write to (default: work_dirs/visualize)')
    tsne.add_argument('--ann-file', help="replaces the dataset's ann_file")
    tsne.add_argument('--split', help="replaces the dataset's split")
    tsne.add_argument('--features', help='an .npz of tools/'
                      'extract_features.py: map these features instead of '
                      'computing them')
    tsne.add_argument('--max-samples', type=int, default=2000)
    tsne.add_argument('--perplexity', type=float, default=30.0)
    tsne.add_argument('--seed', type=int, default=0)
    tsne.set_defaults(func=tsne_command)
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the sub-command named in ``argv``.

    Args:
        argv (Sequence[str], optional): Arguments; ``None``: ``sys.argv``.

    Returns:
        int: Exit status: 0, or 2 after printing a bad argument's error
        (sample index out of range, missing or malformed annotation file).
    """
    args = parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
