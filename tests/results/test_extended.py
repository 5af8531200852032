"""The extended results on the synthetic dataset at toy size: the learning
curve (a long pretraining's checkpoints evaluated) and the fine-tuning rows
(each protocol from the pretraining and from scratch)."""
import json

import numpy as np
import pytest

from pstl_mm.results import ResultsPipeline
from pstl_mm.results.finetune_runs import val_top1
from pstl_mm.results.report_json import summary
from pstl_mm.results.report_markdown import cell

from tests.conftest import write_annotations
from tests.results.test_pipeline import TOY_CONFIGS, toy_options

FINETUNE = """
_base_ = ['../linear/linear_toy.py']
model = dict(backbone=dict(frozen=False))
train_cfg = dict(max_epochs=2, val_interval=1)
"""
EXTENDED_CONFIGS = {
    'pstl_toy.py': TOY_CONFIGS['pstl_toy.py'],
    'linear/linear_toy.py': TOY_CONFIGS['linear/linear_toy.py'],
    'curve/pstl_curve_toy.py': """
_base_ = ['../pstl_toy.py']
train_cfg = dict(max_epochs=2)
""",
    'finetune/finetune_toy.py': FINETUNE,
    'semi/semi10_toy.py': """
_base_ = ['../finetune/finetune_toy.py']
train_dataloader = dict(dataset=dict(label_fraction=0.5, label_seed=1))
custom_hooks = _base_.custom_hooks + [dict(type='LabelledSubsetHook')]
""",
}


def test_summary_and_cell_give_mean_std_and_runs():
    value = summary([50.0, 60.0, 70.0])
    assert value == dict(mean=60.0, std=10.0, runs=[50.0, 60.0, 70.0])
    assert cell(value) == '60.0 ± 10.0 (50.0 / 60.0 / 70.0)'
    assert summary([42.0]) == dict(mean=42.0, std=None, runs=[42.0])
    assert cell(summary([42.0])) == '42.0'
    # One decimal of the value itself, as the progress log prints it (a
    # two-decimal rounding first would give 59.0).
    assert cell(summary([100 * 274 / 464])) == f'{100 * 274 / 464:.1f}'
    assert cell(summary([100 * 274 / 464])) == '59.1'
    # Rounded once, as the log rounds it (24.35 would give 24.4).
    assert cell(summary([24.349999999999998])) == '24.3'
    assert cell(None) == '–'


def test_val_top1_reads_every_validation(tmp_path):
    out = tmp_path / 'train.out'
    out.write_text(
        'x Epoch(val) [1][2/2]    acc/top1: 0.2500  acc/top5: 0.5\n'
        'y Epoch(train) [2][4/4] loss: 1.0\n'
        'z Epoch(val) [2][2/2]    acc/top1: 0.7500  acc/top5: 1.0\n')
    assert val_top1(str(out)) == [[1, 25.0], [2, 75.0]]


@pytest.fixture(scope='module')
def extended(tmp_path_factory):
    root = tmp_path_factory.mktemp('extended')
    for name, text in EXTENDED_CONFIGS.items():
        path = root / 'configs' / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    write_annotations(root / 'toy.pkl', 2, 0)  # 20 clips in every split

    def options():
        return toy_options(root, extended=True, curve_every=1, readme=None)

    results = ResultsPipeline(options())()
    again = ResultsPipeline(options())()
    return dict(root=root, results=results, again=again)


def test_the_learning_curve_evaluates_every_checkpoint(extended):
    root, results = extended['root'], extended['results']
    curve = results['learning_curve']
    assert list(curve) == ['pstl'] and list(curve['pstl']) == ['1', '2']
    for point in curve['pstl'].values():
        assert 0 <= point['linear_standardised'] <= 100
        assert set(point['knn']) == {'k1', 'k20'}
    work = root / 'work' / 'pstl_curve_seed0'
    first = np.load(work / 'e001' / 'features.npz')['train_features']
    last = np.load(work / 'e002' / 'features.npz')['train_features']
    assert first.shape == last.shape == (20, 32)
    assert not np.allclose(first, last)  # two different checkpoints
    assert (root / 'logs' / 'learning_curve.png').stat().st_size > 1000
    # Each point names the commit it was computed at, and so does the
    # table.
    commit = results['reported_at']
    assert [r['commit'] for r in results['learning_curve_runs'][
        'pstl_curve_seed0'].values()] == [commit, commit]
    text = (root / 'results.md').read_text()
    assert 'Learning curve: one pretraining per method for 2 epochs, seed 0 ' \
        f'(one seed), its checkpoints evaluated as above; top-1 in %; ' \
        f'computed at {commit[:7]}.' in text
    point = curve['pstl']['2']
    assert f'| 2 | {point["linear"]:.1f} ' \
        f'({point["linear_standardised"]:.1f}) | ' in text


def test_the_finetuning_rows_start_from_the_pretraining_or_scratch(extended):
    root, results = extended['root'], extended['results']
    table = results['finetune']
    assert list(table) == ['semi10', 'finetune']
    assert results['finetune_protocols']['semi10']['label_fraction'] == 0.5
    for protocol in table.values():
        assert list(protocol) == ['scratch', 'pstl']
        for value in protocol.values():
            assert len(value['runs']) == 1 and 0 <= value['mean'] <= 100
    work = root / 'work'
    pretrained = (work / 'finetune_pstl_seed0' / 'train.out').read_text()
    scratch = (work / 'finetune_scratch_seed0' / 'train.out').read_text()
    ckpt = str(work / 'pstl_seed0' / 'epoch_1.pth')
    assert ckpt in pretrained and ckpt not in scratch
    # The subset of the run's seed (the config says label_seed=1).
    record = json.loads(
        (work / 'semi10_pstl_seed0' / 'labelled_subset.json').read_text())
    assert record['label_seed'] == 0 and record['num_samples'] == 10
    text = (root / 'results.md').read_text()
    assert '| Start | 50 % labels | 100 % labels |' in text
    commit = results['reported_at']
    assert {r['commit'] for r in results['finetune_runs'].values()} == {
        commit}
    assert "(each seed in brackets; a cell of fewer than the run's 1 seed " \
        f'says how many it has); computed at {commit[:7]}.' in text
    assert '| From scratch (no pretraining) | ' in text
    # A second run computes nothing again.
    assert extended['again'] == results
    log = (work / 'results.log').read_text()
    assert log.count('fine-tuning finetune_pstl_seed0') == 1
    assert log.count('pretraining pstl_curve_seed0') == 1


def test_published_records_spare_all_but_what_a_missing_one_needs(
        extended, tmp_path):
    """On a fresh clone (no work dir) with the committed records, one
    fine-tuning's record lost: that fine-tuning and the pretraining it
    starts from run again, nothing else (not the learning curve's long
    pretraining), and its top-1 comes out the same."""
    import shutil
    root, results = extended['root'], extended['results']
    published = tmp_path / 'logs'
    shutil.copytree(root / 'logs', published)
    assert (published / 'pstl_curve_seed0' / 'e002' / 'evaluate.json'
            ).is_file()
    (published / 'finetune_pstl_seed0' / 'finetune.json').unlink()
    again = ResultsPipeline(toy_options(
        root, extended=True, curve_every=1, readme=None, markdown=None,
        work_dir=str(tmp_path / 'work'), logs=str(published),
        json=str(tmp_path / 'results.json'), reuse_published=True))()
    for key in ('finetune', 'learning_curve', 'linear_top1'):
        assert again[key] == results[key]
    log = (tmp_path / 'work' / 'results.log').read_text()
    assert log.count('pretraining') == 1
    assert log.count('pretraining pstl_seed0') == 1
    assert log.count('fine-tuning') == 1
    assert log.count('fine-tuning finetune_pstl_seed0') == 1


def test_the_last_epoch_is_always_validated(tmp_path):
    """The reported top-1 is the last epoch's: with epochs that are not a
    multiple of the config's validation interval, the interval becomes the
    epochs."""
    import types

    from pstl_mm.results.finetune_runs import FinetuneRuns
    config = tmp_path / 'finetune_x.py'
    config.write_text('train_cfg = dict(max_epochs=40, val_interval=10)\n'
                      'train_dataloader = dict(dataset=dict())\n')
    for epochs, interval in ((None, 10), (30, 10), (25, 25)):
        pipeline = types.SimpleNamespace(
            configs=types.SimpleNamespace(finetunes=dict(finetune=str(
                config))),
            options=types.SimpleNamespace(finetune_epochs=epochs))
        settings = FinetuneRuns(pipeline).settings('finetune')
        assert settings['epochs'] == (epochs or 40)
        assert settings['val_interval'] == interval
        assert settings['label_fraction'] == 1.0
