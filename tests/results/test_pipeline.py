"""The results pipeline end to end on the synthetic dataset at toy size:
the JSON and the tables it writes, and which steps a second run reuses."""
import json
import re

import numpy as np
import pytest

from pstl_mm.evaluation import linear_probe_top1
from pstl_mm.results import ResultsOptions, ResultsPipeline

from tests.conftest import CONFIG_DIR, write_annotations

DEMO = CONFIG_DIR / 'demo'
SMALL = 'hidden_channels=8, out_channels=32'
#: The toy dataset's configs, inheriting the demo's: one epoch, tiny widths.
TOY_CONFIGS = {
    'pstl_toy.py': f"""
_base_ = ['{DEMO}/demo_pstl_synthetic.py']
model = dict(backbone=dict({SMALL}),
             neck=dict(in_channels=32, hidden_channels=64, out_channels=64))
train_dataloader = dict(batch_size=20)  # one step
train_cfg = dict(max_epochs=1)
default_hooks = dict(logger=dict(interval=1))
""",
    'linear/linear_toy.py': f"""
_base_ = ['{DEMO}/demo_linear_synthetic.py']
model = dict(backbone=dict({SMALL}), cls_head=dict(in_channels=32))
train_dataloader = dict(batch_size=16)
optim_wrapper = dict(optimizer=dict(lr=0.05))
train_cfg = dict(max_epochs=4)
""",
    'partial_body/partial_body_toy.py': f"""
_base_ = ['{DEMO}/demo_partial_body_synthetic.py']
model = dict(backbone=dict({SMALL}), cls_head=dict(in_channels=32))
test_cfg = dict(joint_levels=(0, 2), part_levels=(0, 1), repeats=1,
                modes=('drop', ))
""",
}


def toy_options(root, **kwargs):
    return ResultsOptions(**{**dict(
        dataset='toy', config_dir=str(root / 'configs'), seeds=(0, ),
        ann_file=str(root / 'toy.pkl'), work_dir=str(root / 'work'),
        json=str(root / 'results.json'), markdown=str(root / 'results.md'),
        readme=str(root / 'README.md'), logs=str(root / 'logs'),
        command='toy'), **kwargs})


@pytest.fixture(scope='module')
def toy(tmp_path_factory):
    """A toy run (PSTL and random init, seed 0) and a second one."""
    root = tmp_path_factory.mktemp('results')
    for name, text in TOY_CONFIGS.items():
        path = root / 'configs' / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    write_annotations(root / 'toy.pkl', 2, 0)  # 20 clips in every split
    (root / 'results.md').write_text(
        '# Results\n\n<!-- toy:begin -->\nold\n<!-- toy:end -->\n\nAfter.\n')
    (root / 'README.md').write_text(
        '## Results\n<!-- toy:headline:begin -->\nold\n'
        '<!-- toy:headline:end -->\n')
    results = ResultsPipeline(toy_options(root))()
    again = ResultsPipeline(toy_options(root))()
    return dict(root=root, results=results, again=again)


def test_the_json_holds_every_number_in_range(toy):
    results = json.loads((toy['root'] / 'results.json').read_text())
    assert results == toy['results']
    assert results['dataset'] == ('toy: train split xsub_train (20 clips), '
                                  'test split xsub_val (20 clips)')
    assert results['pretrain_epochs'] == 1
    assert results['probe']['epochs'] == 4 and results['probe']['lr'] == 0.05
    assert results['probe']['batch_size'] == 16
    assert results['probe']['num_classes'] == 10
    assert results['probe']['init_std'] == 0.01
    assert results['probe']['ann_file'] == str(toy['root'] / 'toy.pkl')
    for key in ('linear_top1', 'linear_top1_standardised', 'knn_top1',
                'knn_top1_k1'):
        assert set(results[key]) == {'random_init', 'pstl'}, key
        for value in results[key].values():
            assert value['runs'] == [value['mean']]
            assert 0 <= value['mean'] <= 100
    for key in ('feature_std', 'class_variance_share'):
        assert set(results[key]) == {'random_init', 'pstl'}
    assert 0 <= results['class_variance_share']['pstl']['mean'] <= 1
    assert list(results['pretrain_minutes']) == ['pstl']
    drop = results['partial_body_drop']
    assert list(drop) == ['pstl']
    assert list(drop['pstl']['joints']) == ['0', '2']
    assert list(drop['pstl']['parts']) == ['0', '1']
    assert re.fullmatch(r'[0-9a-f]{40}(\+dirty)?', results['commit'])
    assert results['reported_at'] == results['commit']
    assert set(results['runs']) == {'random_init_seed0', 'pstl_seed0'}
    assert set(results['runs']['pstl_seed0']) == {
        'pretrain', 'features', 'evaluate', 'partial_body'}
    for steps in results['runs'].values():
        for step in steps.values():
            assert re.fullmatch(r'[0-9a-f]{64}', step['fingerprint'])


def test_the_numbers_are_the_runs(toy):
    """The linear top-1 is the probe's on the kept features, with the
    linear config's settings; nothing hidden, the partial-body recognizer
    predicts as the probe."""
    work, results = toy['root'] / 'work', toy['results']
    for run, name in (('random_init_seed0', 'random_init'),
                      ('pstl_seed0', 'pstl')):
        feats = np.load(work / run / 'features.npz')
        assert feats['train_features'].shape == (20, 32)
        top1 = linear_probe_top1(
            feats['train_features'], feats['train_labels'],
            feats['test_features'], feats['test_labels'], 10, epochs=4,
            lr=0.05, batch_size=16, seed=0)['top1']
        assert results['linear_top1'][name]['mean'] == pytest.approx(
            100 * top1, abs=1e-9)
    assert results['partial_body_drop']['pstl']['joints']['0']['mean'] == \
        pytest.approx(results['linear_top1']['pstl']['mean'], abs=0.01)


def test_the_tables_logs_and_a_second_run(toy):
    root = toy['root']
    text = (root / 'results.md').read_text()
    assert text.startswith('# Results\n\n<!-- toy:begin -->\nPretraining: 1 '
                           'epochs, seeds 0;')
    assert text.endswith('<!-- toy:end -->\n\nAfter.\n') and 'old' not in text
    rows = [line for line in text.splitlines() if line.startswith('| ')]
    assert rows[0].count('|') == 9 and 'kNN k=20 | kNN k=1' in rows[0]
    assert rows[1].startswith('| Random init (frozen) | ')
    assert rows[2].startswith('| PSTL | ')
    assert 'Joints removed (of 25)' in text
    assert 'Body parts removed (of 5)' in text
    assert (root / 'logs' / 'pstl_seed0' / 'partial_body.png').is_file()
    # The prose under the tables and the README's paragraph are the JSON's.
    results = toy['results']
    gap = (results['linear_top1']['pstl']['mean']
           - results['linear_top1']['random_init']['mean'])
    assert (f'- PSTL against Random init (frozen), over the 1 seed both '
            f'have: linear {gap:+.1f} points' in text)
    readme = (root / 'README.md').read_text()
    assert 'old' not in readme
    assert (f'PSTL {results["linear_top1"]["pstl"]["mean"]:.1f} % ('
            f'{results["linear_top1_standardised"]["pstl"]["mean"]:.1f} % '
            'standardised)') in readme
    assert f'computed at {results["commit"][:7]} (`toy`)' in readme
    assert len(list((root / 'logs' / 'pstl_seed0').glob('2*.log'))) == 1
    # Nothing ran again.
    assert toy['again'] == toy['results']
    log = (root / 'work' / 'results.log').read_text()
    assert log.count('pretraining pstl_seed0') == 1
    assert log.count('pstl_seed0: epoch 1/1 loss') == 1
    assert log.count('partial body of pstl_seed0') == 1


def test_report_only_computes_nothing(toy):
    root = toy['root']
    log = root / 'work' / 'results.log'
    before = log.read_text()
    results = ResultsPipeline(toy_options(
        root, report_only=True, json=str(root / 'again.json'),
        markdown=None, readme=None, command='report'))()
    assert results == toy['results']  # command: the computing run's
    assert log.read_text() == before


def test_a_fresh_work_dir_reuses_the_published_records(toy, tmp_path):
    """The records under ``logs`` (committed with the logs) stand in for a
    lost work dir; a missing one is computed again, with the pretraining
    it needs, and comes out the same."""
    import shutil
    root = toy['root']
    published = tmp_path / 'logs'
    shutil.copytree(root / 'logs', published)
    # (Before the test below changes the probe: the records are the
    # fixture's.)
    for run, steps in toy['results']['runs'].items():
        for step, record in steps.items():
            assert json.loads((published / run / f'{step}.json').read_text(
            ))['fingerprint'] == record['fingerprint']
    assert sorted(p.name for p in (published / 'pstl_seed0').glob('*.json')) \
        == ['evaluate.json', 'features.json', 'partial_body.json',
            'pretrain.json']

    def fresh(name, **kwargs):
        return ResultsPipeline(toy_options(
            root, work_dir=str(tmp_path / name), logs=str(published),
            json=str(tmp_path / f'{name}.json'), markdown=None, readme=None,
            reuse_published=True, **kwargs))()

    # Every record holds: nothing is computed; the command that computes
    # them all is the same without --reuse-published.
    assert fresh('all', command='toy --reuse-published') == toy['results']
    log = (tmp_path / 'all' / 'results.log').read_text()
    assert 'pretraining' not in log and 'linear' not in log, log
    # Without --reuse-published the records are not read.
    results = ResultsPipeline(toy_options(
        root, work_dir=str(tmp_path / 'none'), logs=str(published),
        json=None, markdown=None, readme=None, report_only=True))()
    assert results['linear_top1'] == {}
    # The partial body's record lost: it needs the checkpoint and the
    # linear classifier, so the pretraining and the evaluation are redone,
    # to the same numbers (a pretraining repeats bit for bit).
    (published / 'pstl_seed0' / 'partial_body.json').unlink()
    assert fresh('some') == toy['results']
    log = (tmp_path / 'some' / 'results.log').read_text()
    assert log.count('pretraining pstl_seed0') == 1
    assert log.count('partial body of pstl_seed0') == 1
    assert 'random_init_seed0' not in log


def test_a_changed_fingerprint_reruns_only_what_it_determines(toy):
    root = toy['root']
    before = toy['results']['runs']['pstl_seed0']
    results = ResultsPipeline(toy_options(
        root, probe_epochs=2, partial_body=False, markdown=None))()
    after = results['runs']['pstl_seed0']
    assert results['probe']['epochs'] == 2
    assert after['pretrain'] == before['pretrain']
    assert after['features'] == before['features']
    assert after['evaluate']['fingerprint'] != \
        before['evaluate']['fingerprint']
    log = (root / 'work' / 'results.log').read_text()
    assert log.count('pretraining pstl_seed0') == 1
    assert log.count('pstl_seed0: linear') == 2

