import numpy as np
import pytest

from pstl_mm.skeleton import (CLIP_LENGTH, COCO, KINECT_V1, LAYOUTS, NTU_RGBD,
                              PART_NAMES, SkeletonLayout, get_layout,
                              graph_adjacency)

# paper-facts.md, NTU RGB+D
NTU_DEGREES = [3, 2, 2, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 1, 4,
               1, 2, 1, 2]
NTU_FLIP = [0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 16, 17, 18, 19, 12, 13, 14,
            15, 20, 23, 24, 21, 22]
NTU_BONES_1BASED = [(1, 2), (2, 21), (3, 21), (4, 3), (5, 21), (6, 5), (7, 6),
                    (8, 7), (9, 21), (10, 9), (11, 10), (12, 11), (13, 1),
                    (14, 13), (15, 14), (16, 15), (17, 1), (18, 17), (19, 18),
                    (20, 19), (21, 21), (22, 23), (23, 8), (24, 25), (25, 12)]
NTU_PARTS = {
    'left_arm': [8, 9, 10, 11, 23, 24],
    'right_arm': [4, 5, 6, 7, 21, 22],
    'left_leg': [16, 17, 18, 19],
    'right_leg': [12, 13, 14, 15],
    'torso': [0, 1, 2, 3, 20],
}


def test_ntu_table_equals_paper_facts():
    assert NTU_RGBD.num_joints == 25
    assert NTU_RGBD.degrees.tolist() == NTU_DEGREES
    assert int(NTU_RGBD.degrees.sum()) == 48  # the reference's CSM pool
    assert list(NTU_RGBD.flip_order) == NTU_FLIP
    assert [(v + 1, p + 1) for v, p in enumerate(NTU_RGBD.parents)] == \
        NTU_BONES_1BASED
    assert {k: list(v) for k, v in NTU_RGBD.parts.items()} == NTU_PARTS
    assert NTU_RGBD.center == 20  # joint 21, 1-based


@pytest.mark.parametrize('layout,v', [(NTU_RGBD, 25), (KINECT_V1, 20),
                                      (COCO, 17)])
def test_layouts_are_consistent(layout, v):
    assert layout.num_joints == v
    assert len(layout.edges) == v - 1  # a tree
    flip = np.asarray(layout.flip_order)
    assert np.array_equal(flip[flip], np.arange(v))
    assert tuple(layout.parts) == PART_NAMES
    # a flip maps left joints onto right joints
    names = layout.joint_names
    for j, f in enumerate(layout.flip_order):
        if 'left' in names[j]:
            assert names[f] == names[j].replace('left', 'right')
    A = graph_adjacency(layout.name)
    assert A.shape == (3, v, v)
    # A D^-1: every column of the summed subsets adds up to 1
    assert np.allclose(A.sum(axis=(0, 1)), 1.0)
    assert get_layout(layout.name) is layout


def test_kinect_v1_matches_nw_ucla_order():
    assert KINECT_V1.joint_names[2] == 'shoulder_center'
    assert KINECT_V1.joint_names[4] == 'shoulder_left'
    assert KINECT_V1.joint_names[19] == 'foot_right'
    assert KINECT_V1.parents[0] == 1 and KINECT_V1.parents[12] == 0


def test_ntu_graph_equals_reference(reference):
    A = graph_adjacency('nturgb+d')
    assert np.array_equal(A, reference['encoder_state_dict']['A'].numpy())


def test_unknown_layout_is_named():
    with pytest.raises(ValueError, match="unknown skeleton layout 'ntu'"):
        get_layout('ntu')


def test_broken_table_is_refused():
    bad = SkeletonLayout(
        name='bad', joint_names=('a', 'b', 'c'), parents=(0, 0, 1), center=0,
        flip_order=(1, 2, 0),
        parts={p: () for p in PART_NAMES}, num_masked=1)
    with pytest.raises(ValueError, match='not an involution'):
        bad.validate()
    assert set(LAYOUTS) == {'nturgb+d', 'kinect_v1', 'coco'}


def test_spatial_masks_remove_the_papers_share_of_every_layout():
    # The paper's 9 of NTU's 25 joints; the same share of the others.
    assert {name: layout.num_masked for name, layout in LAYOUTS.items()} == \
        {'nturgb+d': 9, 'kinect_v1': 7, 'coco': 6}
    for layout in LAYOUTS.values():
        assert layout.num_masked == round(layout.num_joints * 9 / 25)
    table = dict(vars(KINECT_V1), name='all_masked', num_masked=20)
    with pytest.raises(ValueError, match=r'num_masked must be in \[0, 20\)'):
        SkeletonLayout(**table).validate()


def test_clip_length_is_the_papers_and_every_default():
    import inspect

    from pstl_mm.converters.interface import NUM_FRAMES
    from pstl_mm.datasets.aimclr import aimclr_position
    from pstl_mm.datasets.transforms import AimCLRPreprocess
    assert CLIP_LENGTH == 50
    assert NUM_FRAMES.default == CLIP_LENGTH
    for function in (aimclr_position, AimCLRPreprocess.__init__):
        default = inspect.signature(function).parameters['num_frames'].default
        assert default == CLIP_LENGTH
