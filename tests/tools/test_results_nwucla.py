"""tools/results_nwucla.py (make results-nwucla) at a reduced size on the
real NW-UCLA clips: every step runs, the JSON and the tables hold the runs'
numbers, the logs are copied, and a second run recomputes nothing."""
import json
import os

import numpy as np
import pytest

from pstl_mm.evaluation import linear_probe_top1

from tests.conftest import REPO_ROOT, SHARED_DIR, load_tool, need_shared

ARCHIVE = SHARED_DIR / 'data' / 'nw_ucla' / 'nw_ucla_all_sqe.tgz'


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    """One reduced run: 40 clips per split, 1 epoch at batch 8, seed 0."""
    archive = need_shared(ARCHIVE)
    tmp = tmp_path_factory.mktemp('results')
    markdown = tmp / 'results.md'
    markdown.write_text('# Results\n\n<!-- nw_ucla:begin -->\nold\n'
                        '<!-- nw_ucla:end -->\n\nAfter the tables.\n')
    argv = [
        '--src', str(archive), '--ann-file',
        str(tmp / 'data' / 'nw_ucla_pstl.pkl'), '--work-dir',
        str(tmp / 'work'), '--json',
        str(tmp / 'results.json'), '--markdown',
        str(markdown), '--logs',
        str(tmp / 'logs'), '--seeds', '0', '--epochs', '1', '--batch-size',
        '8', '--limit', '40', '--probe-epochs', '3'
    ]
    cwd = os.getcwd()
    os.chdir(REPO_ROOT)
    try:
        tool = load_tool('results_nwucla')
        results = tool.main(argv)
        again = tool.main(argv)
    finally:
        os.chdir(cwd)
    return dict(tmp=tmp, results=results, again=again, tool=tool)


def test_every_encoder_is_evaluated(run):
    results = json.loads((run['tmp'] / 'results.json').read_text())
    assert results == run['results']
    assert results['pretrain_epochs'] == 1
    names = {'random_init', 'pstl', 'skeletonbt'}
    for key in ('linear_top1', 'linear_top1_standardised', 'knn_top1',
                'knn_top1_k1', 'feature_std', 'class_variance_share'):
        assert set(results[key]) == names, key
        for value in results[key].values():
            assert len(value['runs']) == 1
            assert value['mean'] == value['runs'][0]
    for key in ('linear_top1', 'knn_top1', 'knn_top1_k1'):
        for value in results[key].values():
            assert 0 <= value['mean'] <= 100
    assert set(results['pretrain_minutes']) == {'pstl', 'skeletonbt'}
    partial = results['partial_body_drop']
    assert set(partial) == {'pstl', 'skeletonbt'}
    for table in partial.values():
        assert list(table['joints']) == ['0', '2', '4', '6', '8']
        assert list(table['parts']) == ['0', '1', '2', '3', '4']


def test_the_numbers_are_the_runs(run):
    """The linear top-1 is recomputed from the cached features; the partial
    body's 0-joints level (nothing hidden) is the linear top-1 of the
    classifier put into the recognizer."""
    work = run['tmp'] / 'work'
    results = run['results']
    for run_name, name in (('random_init_seed0', 'random_init'),
                           ('pstl_seed0', 'pstl'),
                           ('skeletonbt_seed0', 'skeletonbt')):
        feats = np.load(work / run_name / 'features.npz')
        assert feats['train_features'].shape == (40, 256)
        assert feats['test_features'].shape == (40, 256)
        assert all(n.endswith(('_v01', '_v02')) for n in feats['train_names'])
        assert all(n.endswith('_v03') for n in feats['test_names'])
        top1 = linear_probe_top1(
            feats['train_features'], feats['train_labels'],
            feats['test_features'], feats['test_labels'], 10, epochs=3,
            seed=0)['top1']
        assert results['linear_top1'][name]['mean'] == round(100 * top1, 2)
        assert results['feature_std'][name]['mean'] == float(
            f"{feats['train_features'].std(0).mean():.3g}")
        if name != 'random_init':
            assert results['partial_body_drop'][name]['joints']['0'][
                'mean'] == pytest.approx(results['linear_top1'][name]['mean'],
                                         abs=0.01)


def test_logs_tables_and_a_second_run(run):
    tmp = run['tmp']
    for name in ('pstl_seed0', 'skeletonbt_seed0'):
        logs = list((tmp / 'logs' / name).glob('2*.log'))
        assert len(logs) == 1 and 'Epoch(train) [1]' in logs[0].read_text()
        assert (tmp / 'logs' / name / 'partial_body.png').stat().st_size > 0
        assert 'drop' in (tmp / 'logs' / name / 'partial_body.log').read_text()
    text = (tmp / 'results.md').read_text()
    assert text.startswith('# Results\n\n<!-- nw_ucla:begin -->\n')
    assert text.endswith('<!-- nw_ucla:end -->\n\nAfter the tables.\n')
    assert 'old' not in text and '| PSTL |' in text and '| SkeletonBT |' in text
    assert 'Joints removed (of 20)' in text
    # The second run found everything done: same results, no new training.
    assert run['again'] == run['results']
    log = (tmp / 'work' / 'results.log').read_text()
    assert log.count('pretraining pstl_seed0') == 1
    assert log.count('pstl_seed0: epoch 1/1 loss') == 1
    assert log.count('partial body of pstl_seed0') == 1


def test_a_missing_archive_is_named(tmp_path):
    tool = load_tool('results_nwucla')
    with pytest.raises(SystemExit, match='nope.tgz'):
        tool.main(['--src', str(tmp_path / 'nope.tgz'), '--ann-file',
                   str(tmp_path / 'x.pkl'), '--work-dir', str(tmp_path)])


def test_tables_put_between_the_markers(tmp_path):
    tool = load_tool('results_nwucla')
    path = tmp_path / 'r.md'
    tool.write_tables(str(path), 'first')
    assert path.read_text() == '<!-- nw_ucla:begin -->\nfirst\n' \
        '<!-- nw_ucla:end -->\n'
    path.write_text('a\n' + path.read_text() + 'b\n')
    tool.write_tables(str(path), 'second')
    assert path.read_text() == 'a\n<!-- nw_ucla:begin -->\nsecond\n' \
        '<!-- nw_ucla:end -->\nb\n'


def test_class_variance_share_on_known_features():
    tool = load_tool('results_nwucla')
    # Classes at x = -1 and x = +1, each spread by +-0.5: between 1, within
    # 0.25 per sample, so 1 / 1.25 of the variance lies between the classes;
    # paired the other way, the class means are -0.5 and 0.5: 1 / 5.
    feats = np.array([[-1.5, 0], [-0.5, 0], [0.5, 0], [1.5, 0]])
    labels = np.array([0, 0, 1, 1])
    assert tool.class_variance_share(feats, labels) == pytest.approx(0.8)
    assert tool.class_variance_share(feats, np.array([0, 1, 0, 1])) == \
        pytest.approx(0.2)
    assert tool.class_variance_share(np.ones((3, 2)), np.arange(3)) == 0.0


def test_make_has_the_target():
    makefile = (REPO_ROOT / 'Makefile').read_text()
    assert 'results-nwucla: $(STAMP)' in makefile
    assert 'tools/results_nwucla.py' in makefile
