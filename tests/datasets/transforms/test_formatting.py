"""GCN input formatting (pstl_mm/datasets/transforms/formatting.py)."""
import numpy as np
import pytest
from mmaction.datasets.transforms import FormatGCNInput

from tests.conftest import build, make_sample, run


@pytest.mark.parametrize('persons', [1, 2, 3])
def test_keeps_the_persons_of_the_sample(persons):
    sample = make_sample(m=persons, t=6)
    out = run(build(dict(type='PSTLFormatGCNInput')), sample)
    assert out['keypoint'].shape == (1, persons, 6, 25, 3)
    np.testing.assert_array_equal(out['keypoint'][0], sample['keypoint'])
    # What MMAction2's FormatGCNInput gives with the count named.
    expected = run(FormatGCNInput(num_person=persons), sample)['keypoint']
    np.testing.assert_array_equal(out['keypoint'], expected)


def test_a_count_given_pads_and_truncates_as_mmaction():
    sample = make_sample(m=1, t=4)
    sample['keypoint_score'] = np.ones((1, 4, 25), np.float32)
    sample['num_clips'] = 2
    for persons in (1, 3):
        for mode in ('zero', 'loop'):
            ours = build(dict(type='PSTLFormatGCNInput', num_person=persons,
                              mode=mode))
            theirs = FormatGCNInput(num_person=persons, mode=mode)
            out = run(ours, sample)['keypoint']
            assert out.shape == (2, persons, 2, 25, 4)
            np.testing.assert_array_equal(out,
                                          run(theirs, sample)['keypoint'])
    # Without a count, the scores and clips are formatted the same way.
    out = run(build(dict(type='PSTLFormatGCNInput')), sample)['keypoint']
    assert out.shape == (2, 1, 2, 25, 4)
