"""Views side by side, as a GIF over the frames or a PNG grid of frames."""
from typing import List, Sequence

import matplotlib

matplotlib.use('Agg')

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.animation import FuncAnimation, PillowWriter  # noqa: E402
from PIL import Image  # noqa: E402

from .skeleton_panel import SkeletonPanel  # noqa: E402
from .timeline import draw_timeline  # noqa: E402
from .view import View, active_persons  # noqa: E402

PNG_FRAMES = 6


def png_frames(views: Sequence[View], num_frames: int) -> List[int]:
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
        frames[middle] = min(removed, key=lambda f: abs(f - frames[middle]))
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


def panel_grid(rows: int, cols: int, dpi: int) -> tuple:
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


def render_views(views: Sequence[View], layout, path: str, fmt: str,
                 title: str, fps: int = 10) -> None:
    """Draw the views side by side and write a GIF or PNG.

    Args:
        views (Sequence[View]): The panels, left to right.
        layout: The skeleton layout (``parents``).
        path (str): File to write.
        fmt (str): ``'gif'`` (animation over the frames) or ``'png'`` (a
            grid of six frames per view).
        title (str): Figure title.
        fps (int): GIF frame rate.

    Raises:
        ValueError: ``fmt`` is neither.
    """
    if fmt not in ('gif', 'png'):
        raise ValueError(f'format must be gif or png, got {fmt!r}')
    num_frames = max(v.num_frames for v in views)
    persons = active_persons(views[0].keypoint)
    frames = (list(range(num_frames))
              if fmt == 'gif' else png_frames(views, num_frames))
    rows = 1 if fmt == 'gif' else len(frames)
    fig, axes, strips = panel_grid(rows, len(views),
                                   dpi=80 if fmt == 'gif' else 100)
    fig.suptitle(title, fontsize=8, y=1 - 0.06 / fig.get_figheight(),
                 va='top')
    panels = []
    for r in range(rows):
        for c, view in enumerate(views):
            panel = SkeletonPanel(axes[r][c], view, layout.parents, persons)
            if r == 0:
                axes[r][c].set_title(view.title(), fontsize=9)
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
