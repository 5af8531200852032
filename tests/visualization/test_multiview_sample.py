"""A sample's views are those the dataset's own pipeline makes."""
import pickle

import numpy as np
import pytest

from pstl_mm.visualization import build_training_dataset, make_views

from tests.conftest import CONFIG_DIR

CONFIG = str(CONFIG_DIR / 'pstl_ntu60_xsub.py')
INDEX, SEED = 3, 7


@pytest.fixture(scope='module')
def ann_file(tmp_path_factory):
    """A tiny annotation pickle: one synthetic sample per class."""
    from pstl_mm.datasets.synthetic import make_synthetic_annotations
    anns = make_synthetic_annotations(1, seed=0, num_person=2)
    path = tmp_path_factory.mktemp('views') / 'tiny.pkl'
    path.write_bytes(pickle.dumps(dict(
        split=dict(train=[a['frame_dir'] for a in anns]), annotations=anns)))
    return str(path)


def test_views_are_the_pipelines(ann_file):
    """Every random transform seeded with SEED: the views of sample INDEX
    are what the full pipeline packs for it (draws depend on seed, epoch
    and sample index only)."""
    dataset, seed = build_training_dataset(CONFIG, ann_file, 'train', SEED)
    assert seed == SEED
    made = make_views(dataset, INDEX)
    names = [v.name for v in made['views']]
    assert names == ['original', 'anchor', 'spatial', 'temporal']
    assert made['info']['frame_dir'] == \
        dataset.get_data_info(INDEX)['frame_dir']
    packed = dataset[INDEX]['inputs']
    spatial = made['views'][2]
    assert spatial.masked_joints() == \
        np.flatnonzero(packed['spatial']['joint_mask'].numpy()).tolist()
    assert len(spatial.masked_joints()) == 9
    temporal = made['views'][3]
    assert len(temporal.kept_frames) == packed['temporal']['keypoint'].shape[1]
    assert made['views'][1].keypoint.shape[1] == packed['anchor']['keypoint'].shape[1]


def test_a_config_seed_and_a_bad_index(ann_file):
    dataset, seed = build_training_dataset(CONFIG, ann_file, 'train')
    assert seed == 1  # the config's randomness.seed
    with pytest.raises(ValueError, match='--index 10 out of range: the '
                       'dataset has 10 samples'):
        make_views(dataset, 10)


def test_a_pipeline_without_multiview_is_named(ann_file):
    config = str(CONFIG_DIR / 'linear' / 'linear_ntu60_xsub.py')
    dataset, _ = build_training_dataset(config, ann_file, 'train')
    with pytest.raises(ValueError, match='no MultiView'):
        make_views(dataset, 0)
