"""A dataset's configs found by their names; its protocol settings read."""
import pytest

from pstl_mm.results import find_dataset_configs, probe_settings
from pstl_mm.results.protocol_settings import (knn_settings,
                                               partial_body_settings)

from tests.conftest import CONFIG_DIR


def test_nw_ucla_configs_and_settings():
    found = find_dataset_configs('nw_ucla_xview', str(CONFIG_DIR))
    assert {k: v.split('/')[-1] for k, v in found.pretrainings.items()} == {
        'pstl': 'pstl_nw_ucla_xview.py',
        'skeletonbt': 'skeletonbt_nw_ucla_xview.py'}
    assert list(found.ablations) == ['csm_only', 'matm_only',
                                     'pstl_reference']
    assert found.labels['csm_only'] == 'SkeletonBT + CSM'
    assert found.linear.endswith('linear/linear_nw_ucla_xview.py')
    assert found.partial_body.endswith(
        'partial_body/partial_body_nw_ucla_xview.py')
    probe = probe_settings(found.linear)
    assert (probe.num_classes, probe.epochs, probe.lr, probe.batch_size,
            probe.init_std) == (10, 150, 0.01, 128, 0.01)
    assert (probe.train_split, probe.test_split) == ('xview_train',
                                                     'xview_val')
    assert knn_settings(found.knn) == ((1, 20), 0.07)
    assert partial_body_settings(found.partial_body) == dict(
        modes=['drop'], repeats=3, num_joints=20, num_parts=5)


def test_ntu60_ablations_run_under_their_key():
    found = find_dataset_configs('ntu60_xsub', str(CONFIG_DIR))
    assert 'skeletonbt' in found.pretrainings
    assert 'ablation_csm_rtm' in found.ablations
    assert found.partial_body is not None


def test_an_unknown_dataset_names_the_file_and_the_known_ones():
    with pytest.raises(FileNotFoundError,
                       match=r'pstl_nope\.py does not exist .*nw_ucla_xview'):
        find_dataset_configs('nope', str(CONFIG_DIR))
