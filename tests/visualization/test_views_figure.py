"""The picture of views side by side, on known views: size, frames, and the
frames a PNG shows."""
import numpy as np
from PIL import Image

from pstl_mm.skeleton import get_layout
from pstl_mm.visualization import (View, kept_frame_flags, png_frames,
                                   render_views)

LAYOUT = get_layout('nturgb+d')


def _views(frames=8):
    rng = np.random.default_rng(0)
    keypoint = rng.normal(size=(1, frames, 25, 3))
    mask = np.zeros(25, bool)
    mask[[3, 7]] = True
    kept = np.array([0, 1, 4, 5, 7])
    return [View('original', keypoint), View('spatial', keypoint, mask),
            View('temporal', keypoint[:, kept], kept_frames=kept)]


def test_png_frames_show_a_removed_frame():
    views = _views(30)
    frames = png_frames(views, 30)
    assert frames == [0, 6, 12, 17, 23, 29]  # evenly spaced, all removed
    views = _views(8)
    frames = png_frames(views, 8)
    assert len(frames) <= 6 and any(views[2].row(f) is None for f in frames)


def test_kept_frame_flags():
    flags = kept_frame_flags(_views()[2], 8)
    assert flags.tolist() == [True, True, False, False, True, True, False,
                              True]


def test_gif_has_a_frame_per_frame_and_png_a_row_per_shown_frame(tmp_path):
    views = _views()
    render_views(views, LAYOUT, str(tmp_path / 'v.gif'), 'gif', 'title')
    with Image.open(tmp_path / 'v.gif') as image:
        assert image.format == 'GIF' and image.n_frames == 8
        gif_width, gif_height = image.size
    render_views(views, LAYOUT, str(tmp_path / 'v.png'), 'png', 'title')
    rows = len(png_frames(views, 8))
    with Image.open(tmp_path / 'v.png') as image:
        assert image.format == 'PNG'
        width, height = image.size
    # Three square panels of 2.5 in side by side; 80 dpi (GIF), 100 (PNG).
    assert 600 <= gif_width <= 660 and 300 <= gif_height <= 360
    assert abs(width - gif_width * 100 / 80) <= 1
    assert height > rows * 250
