"""``tools/demo.py`` tells a short story: progress bars, the table, paths."""
import json
import re
import subprocess
import sys

from tests.conftest import REPO_ROOT

SMALL = ['model.backbone.hidden_channels=8', 'model.backbone.out_channels=32']


def run_small_demo(tmp_path, *extra):
    """The demo on a 2+1-clip-per-class set with a tiny encoder."""
    data = tmp_path / 'demo.pkl'
    subprocess.run([
        sys.executable,
        str(REPO_ROOT / 'tools' / 'data' / 'make_demo_data.py'), '--out',
        str(data), '--train-per-class', '2', '--test-per-class', '1'
    ], check=True, capture_output=True, timeout=300)
    work_dir = tmp_path / 'work'
    proc = subprocess.run([
        sys.executable, str(REPO_ROOT / 'tools' / 'demo.py'), '--data',
        str(data), '--work-dir', str(work_dir), *extra,
        '--pretrain-options', 'train_cfg.max_epochs=1', *SMALL,
        'model.neck.in_channels=32', 'model.neck.hidden_channels=64',
        'model.neck.out_channels=64',
        '--linear-options', 'train_cfg.max_epochs=1', *SMALL,
        'model.cls_head.in_channels=32', 'train_cfg.val_interval=1',
        '--partial-body-options', *SMALL, 'model.cls_head.in_channels=32',
        'test_cfg.repeats=1', 'test_cfg.joint_levels=(0,2)',
        'test_cfg.part_levels=(0,1)'
    ], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc, work_dir


def test_demo_prints_bars_and_the_table_and_logs_the_rest(tmp_path):
    proc, work_dir = run_small_demo(tmp_path)
    text = proc.stdout
    assert len(text.splitlines()) <= 80, text
    # Nothing on stderr: the bars go to stdout, the runners' output to the
    # log.
    assert proc.stderr == ''
    for stage in ('pretraining PSTL', 'linear (pstl)', 'linear (random)',
                  'partial body (pstl)', 'partial body (random)'):
        assert stage in text
    assert re.search(r'linear evaluation\s+\d+\.\d\s+\d+\.\d', text)
    assert re.search(r'joints shaded 2 \(drop\)\s+\d+\.\d\s+\d+\.\d', text)
    assert re.search(r'joints shaded 4 \(drop\)\s+nan\s+nan', text)
    assert 'Config:' not in text and 'mmengine - INFO' not in text
    log = (work_dir / 'demo.log').read_text()
    assert 'Config:' in log and 'Epoch(train)' in log
    assert f'runs, checkpoints and their logs: {work_dir}/' in text
    margin = re.search(r'pretraining changed linear top-1 by ([-+]\d+\.\d) '
                       r'points .*\((\d+\.\d) vs (\d+\.\d), seed 0\)', text)
    assert margin, text
    assert abs(float(margin[1]) - (float(margin[2]) - float(margin[3]))) \
        <= 0.11


def test_several_seeds_run_apart_and_give_their_spread(tmp_path):
    out = tmp_path / 'seeds.json'
    readme = tmp_path / 'README.md'
    readme.write_text('# x\n<!-- demo:spread:begin -->\nold\n'
                      '<!-- demo:spread:end -->\nrest\n')
    proc, work_dir = run_small_demo(tmp_path, '--seed', '3', '4', '--json',
                                    str(out), '--no-partial-body',
                                    '--readme', str(readme))
    record = json.loads(out.read_text())
    # The README's paragraph is the one the JSON gives.
    paragraph = _demo_module().spread_paragraph(str(out))
    assert readme.read_text() == (
        f'# x\n<!-- demo:spread:begin -->\n{paragraph}\n'
        '<!-- demo:spread:end -->\nrest\n')
    margins = ', '.join(f'{r["seed"]}: {r["margin"]:+.1f}'
                        for r in record['runs'])
    assert 'over seeds 3-4, pretraining changed linear top-1' in paragraph
    assert f'(per seed {margins};' in paragraph
    assert record['seeds'] == [3, 4]
    assert [r['seed'] for r in record['runs']] == [3, 4]
    for run in record['runs']:
        assert abs(run['margin'] - (run['pstl'] - run['random_init'])) < 0.02
        assert (work_dir / f'seed{run["seed"]}' / 'demo.log').is_file()
    margins = [r['margin'] for r in record['runs']]
    assert record['spread']['min'] == min(margins)
    assert record['spread']['max'] == max(margins)
    assert abs(record['spread']['mean'] - sum(margins) / 2) < 0.011
    # Each stage ran with its seed.
    log = (work_dir / 'seed4' / 'pretrain').rglob('*.log')
    assert any("seed=4" in p.read_text() or "'seed': 4" in p.read_text()
               for p in log)
    assert 'margin per seed: 3: ' in proc.stdout
    # A sweep resumes: finished seeds are not run again.
    again, _ = run_small_demo(tmp_path, '--seed', '4', '3', '--json',
                              str(out), '--no-partial-body')
    assert again.stdout.count('finished before') == 2
    assert 'pretraining PSTL' not in again.stdout
    assert json.loads(out.read_text())['runs'] == record['runs'][::-1]
    # Without the partial-body stage: the linear row only.
    assert 'partial body (pstl)' not in proc.stdout
    assert 'joints shaded' not in proc.stdout
    assert re.search(r'linear evaluation\s+\d+\.\d\s+\d+\.\d', proc.stdout)


def _demo_module():
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'pstl_demo_tool', REPO_ROOT / 'tools' / 'demo.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_quotes_the_committed_seed_spread():
    """The README's paragraph on the demo's seeds is what
    docs/demo_seeds.json and docs/demo_seeds_checked.json give, the checked
    seeds each gained, and the held-out seeds are others."""
    demo = _demo_module()
    held = json.loads((REPO_ROOT / 'docs' / 'demo_seeds.json').read_text())
    checked = json.loads(
        (REPO_ROOT / 'docs' / 'demo_seeds_checked.json').read_text())
    assert checked['seeds'] == [0, 1, 2, 3, 4]
    assert all(r['margin'] > 0 for r in checked['runs'])
    assert held['seeds'] == [5, 6, 7, 8, 9]
    for record in (held, checked):
        assert [r['seed'] for r in record['runs']] == record['seeds']
        margins = [r['margin'] for r in record['runs']]
        assert record['spread']['min'] == min(margins)
        assert record['spread']['max'] == max(margins)
    readme = (REPO_ROOT / 'README.md').read_text()
    block = readme.split('<!-- demo:spread:begin -->\n')[1].split(
        '\n<!-- demo:spread:end -->')[0]
    assert block == demo.spread_paragraph()
