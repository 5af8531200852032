"""A view's frames and masks, and the summary line of a sample's views."""
import numpy as np

from pstl_mm.visualization import View, active_persons, summary_line


def test_rows_of_kept_frames_and_masked_joints():
    keypoint = np.zeros((1, 3, 4, 3))
    view = View('temporal', keypoint, np.array([0, 1, 0, 1], bool),
                kept_frames=np.array([0, 2, 5]))
    assert view.num_frames == 6 and view.temporal
    assert [view.row(f) for f in range(6)] == [0, None, 1, None, None, 2]
    assert view.masked_joints() == [1, 3]
    assert view.title() == 'temporal\n2 joints masked (red x)\n3 frames kept'
    plain = View('original', keypoint)
    assert plain.num_frames == 3 and not plain.temporal
    assert plain.masked_joints() == [] and plain.title() == 'original'


def test_active_persons_leave_zero_padding_out():
    keypoint = np.zeros((3, 2, 4, 3))
    keypoint[1, 0, 0, 0] = 1.0
    assert active_persons(keypoint) == [1]
    assert active_persons(np.zeros((2, 2, 4, 3))) == [0]


def test_summary_line_names_joints_and_counts_frames():
    keypoint = np.zeros((1, 4, 3, 3))
    views = [
        View('original', keypoint),
        View('anchor', keypoint),
        View('spatial', keypoint, np.array([True, False, True])),
        View('temporal', keypoint[:, :2], kept_frames=np.array([1, 3])),
    ]
    line = summary_line(dict(frame_dir='clip', label=7), views,
                        ['hip', 'neck', 'head'])
    assert line == ('sample clip | label 7 | masked joints: spatial=[hip, '
                    'head] | frames kept: anchor 4/4, spatial 4/4, '
                    'temporal 2/4')
