"""The layout of a sample (pstl_mm/datasets/transforms/sample_layout.py)."""
import pytest

from pstl_mm.datasets.transforms import sample_layout
from pstl_mm.skeleton import KINECT_V1, NTU_RGBD

WHERE = "Demo on sample 'clip7'"


def test_the_sample_layout_or_the_given_one():
    assert sample_layout(None, dict(layout='kinect_v1'), WHERE) is KINECT_V1
    assert sample_layout(NTU_RGBD, {}, WHERE) is NTU_RGBD
    assert sample_layout(NTU_RGBD, dict(layout='nturgb+d'), WHERE) is NTU_RGBD


@pytest.mark.parametrize('layout, results, message', [
    (None, {}, "Demo on sample 'clip7': no skeleton layout: the sample has "
     'no "layout"'),
    (NTU_RGBD, dict(layout='kinect_v1'), "Demo on sample 'clip7': the "
     "transform has layout 'nturgb\\+d' but the sample is 'kinect_v1'"),
    (None, dict(layout='ntu'), "Demo on sample 'clip7': unknown skeleton "
     "layout 'ntu'"),
])
def test_errors_name_the_transform_and_the_sample(layout, results, message):
    with pytest.raises(ValueError, match=message):
        sample_layout(layout, results, WHERE)
