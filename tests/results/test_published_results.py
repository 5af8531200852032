"""The published NW-UCLA results are the JSONs': the tables and sentences in
docs/results.md (MaskableSTGCN and MMAction2's STGCN++) and the README's
paragraph are what the results tool writes from docs/results_nw_ucla.json
and docs/results_stgcnpp_nw_ucla.json, and the hand-written prose beside
them gives no numbers of its own."""
import json
import re

import pytest

from pstl_mm.results import find_dataset_configs
from pstl_mm.results.report_markdown import headline, markers, tables

from tests.conftest import CONFIG_DIR, REPO_ROOT

JSON = REPO_ROOT / 'docs' / 'results_nw_ucla.json'
TAG = 'nw_ucla_xview'
#: Each published results JSON and the tag (dataset) of its tables.
PUBLISHED = {
    TAG: JSON,
    'stgcnpp_nw_ucla_xview': REPO_ROOT / 'docs' /
    'results_stgcnpp_nw_ucla.json',
}


def _between(text: str, tag: str) -> str:
    begin, end = markers(tag)
    assert begin in text and end in text, f'no {tag} markers'
    return text.split(begin, 1)[1].split(end, 1)[0].strip('\n')


def _published(tag: str):
    results = json.loads(PUBLISHED[tag].read_text())
    configs = find_dataset_configs(tag, str(CONFIG_DIR))
    labels = {name: configs.labels.get(name, name)
              for name in ['random_init', *configs.pretrainings,
                           *configs.ablations]}
    labels['scratch'] = configs.labels['scratch']
    return results, labels


@pytest.fixture(scope='module')
def published():
    return _published(TAG)


@pytest.mark.parametrize('tag', list(PUBLISHED))
def test_the_tables_are_the_jsons(tag):
    results, labels = _published(tag)
    text = (REPO_ROOT / 'docs' / 'results.md').read_text()
    assert _between(text, tag) == tables(results, labels)


def test_the_readme_paragraph_is_the_jsons(published):
    results, labels = published
    text = (REPO_ROOT / 'README.md').read_text()
    assert _between(text, f'{TAG}:headline') == headline(results, labels)


def test_the_hand_written_prose_gives_no_numbers():
    text = (REPO_ROOT / 'docs' / 'results.md').read_text()
    prose = text.split('## Reading the numbers', 1)[1].split('\n## ', 1)[0]
    assert not re.findall(r'\d+(?:\.\d+)? ?(?:%|points)', prose), prose


def test_every_evaluation_in_the_tables_is_the_progress_logs(published):
    """Each run's linear, standardised and kNN cell (one decimal) is what
    the committed progress log printed when the run was evaluated."""
    results, _ = published
    log = (JSON.parent / 'results_nw_ucla' / 'results.log').read_text()
    pattern = re.compile(
        r'(\w+)_seed(\d+): linear ([\d.]+) \(standardised ([\d.]+)\), '
        r'kNN k1 ([\d.]+), k20 ([\d.]+)')
    logged = {(m[0], int(m[1])): m[2:] for m in pattern.findall(log)}
    keys = ('linear_top1', 'linear_top1_standardised', 'knn_top1_k1',
            'knn_top1')
    checked = 0
    for name in results['linear_top1']:
        for i, seed in enumerate(results['seeds']):
            runs = results['linear_top1'][name]['runs']
            if i >= len(runs):
                continue
            assert (name, seed) in logged, f'{name} seed {seed} not logged'
            table = tuple(f'{results[k][name]["runs"][i]:.1f}' for k in keys)
            assert table == logged[(name, seed)], (name, seed)
            checked += 1
    assert checked >= 9


def test_the_feature_diagnostics_are_their_json_and_the_tables_runs(
        published):
    """The diagnostics table is its JSON's, and its raw and standardised
    test top-1 are the linear table's for the same runs."""
    from pstl_mm.results.feature_diagnostics import report
    results, _ = published
    diag = json.loads((JSON.parent / 'results_nw_ucla' /
                       'feature_diagnostics.json').read_text())
    text = (REPO_ROOT / 'docs' / 'results.md').read_text()
    assert _between(text, f'{TAG}:diagnostics') == report(diag)
    assert len(diag['runs']) >= 9
    for run, d in diag['runs'].items():
        name, seed = run.rsplit('_seed', 1)
        i = results['seeds'].index(int(seed))
        assert d['features_fingerprint'] == \
            results['runs'][run]['features']['fingerprint'], run
        for key, probe in (('linear_top1', 'raw'),
                           ('linear_top1_standardised', 'standardised')):
            assert f'{results[key][name]["runs"][i]:.1f}' == \
                f'{d["probes"][probe]["test"]:.1f}', (run, key)


def test_the_learning_curve_and_finetuning_are_the_extended_progress_log(
        published):
    """Each point of the learning curve and each fine-tuning run (one
    decimal) is what the committed progress log of the extended run
    printed when it was computed."""
    results, _ = published
    log = (JSON.parent / 'results_nw_ucla' /
           'results_extended.log').read_text()
    pattern = re.compile(
        r'(\w+)_curve_seed(\d+)/e(\d+): linear ([\d.]+) \(standardised '
        r'([\d.]+)\), kNN k1 ([\d.]+), k20 ([\d.]+)')
    logged = {(m[0], int(m[2])): m[3:] for m in pattern.findall(log)}
    checked = 0
    for name, points in results.get('learning_curve', {}).items():
        for epoch, point in points.items():
            table = (f'{point["linear"]:.1f}',
                     f'{point["linear_standardised"]:.1f}',
                     f'{point["knn"]["k1"]:.1f}', f'{point["knn"]["k20"]:.1f}')
            assert table == logged[(name, int(epoch))], (name, epoch)
            checked += 1
    assert checked == len(logged) >= 20
    finetuned = dict(re.findall(r'(\w+_seed\d+): top-1 ([\d.]+)', log))
    runs = results.get('finetune_runs', {})
    assert set(runs) == set(finetuned) and len(runs) >= 2
    records = {run: json.loads((JSON.parent / 'results_nw_ucla' / run /
                                'finetune.json').read_text())
               for run in runs}
    for run, published_run in runs.items():
        assert records[run]['fingerprint'] == published_run['fingerprint'], \
            run
        assert f'{records[run]["result"]["top1"]:.1f}' == finetuned[run], run
    for protocol, rows in results['finetune'].items():
        for name, value in rows.items():
            names = [run for run in (f'{protocol}_{name}_seed{seed}'
                                     for seed in results['seeds'])
                     if run in runs]
            assert value['runs'] == pytest.approx(
                [records[run]['result']['top1'] for run in names], abs=1e-4)
            # The table's one decimal is the log's.
            assert [f'{v:.1f}' for v in value['runs']] == [
                finetuned[run] for run in names], (protocol, name)


def test_a_pretraining_made_again_logs_the_same_losses():
    """A run folder with more than one training log holds a pretraining
    made again from the same fingerprint (the fine-tunings need its
    checkpoint; an interrupted one resumed): every iteration that two of
    its logs both record has the same loss to the last printed digit."""
    pattern = re.compile(r'Epoch\(train\) +\[(\d+)\]\[(\d+)/\d+\].* '
                         r'loss: ([\d.]+)')
    compared = 0
    for folder in sorted((JSON.parent / 'results_nw_ucla').iterdir()):
        logs = sorted(folder.glob('2*.log'))
        if len(logs) < 2:
            continue
        losses, shared = {}, 0
        for log in logs:
            for epoch, it, loss in pattern.findall(log.read_text()):
                key = (int(epoch), int(it))
                shared += key in losses
                assert losses.setdefault(key, loss) == loss, (log, key)
        assert shared, f'{folder.name}: its logs share no iteration'
        compared += shared
    assert compared >= 20
