"""``tools/results.py`` on the command line and ``make results-nwucla``."""
import subprocess
import sys

from tests.conftest import REPO_ROOT, run_command

TOOL = str(REPO_ROOT / 'tools' / 'results.py')


def test_an_unknown_dataset_names_the_config_and_the_known_ones(tmp_path):
    status, out = run_command([
        sys.executable, TOOL, '--dataset', 'nope', '--work-dir',
        str(tmp_path)
    ], timeout=300, cwd=str(REPO_ROOT))
    assert status == 2, out
    assert "error: dataset 'nope': configs/pstl/pstl_nope.py does not " \
        'exist' in out
    assert 'nw_ucla_xview' in out and 'ntu60_xsub' in out
    assert not list(tmp_path.iterdir())


def _make_results(*variables):
    out = subprocess.run(
        # -o: the set-up stamp counts as done (never STAMP=Makefile: make
        # remakes a makefile even under -n, and that rule builds the venv).
        ['make', '-n', '--no-print-directory', '-o', '.venv/.installed',
         'results-nwucla', *variables], cwd=str(REPO_ROOT), check=True,
        capture_output=True, text=True, env={'PATH': '/usr/bin:/bin'}).stdout
    return [word for word in out.split() if word != '\\']


RESULTS_NWUCLA = [
    '.venv/bin/python', 'tools/results.py', '--dataset', 'nw_ucla_xview',
    '--src', '../shared/data/nw_ucla/nw_ucla_all_sqe.tgz', '--converter',
    'nw_ucla', '--json', 'docs/results_nw_ucla.json', '--logs',
    'docs/results_nw_ucla', '--readme', 'README.md'
]
DIAGNOSTICS_NWUCLA = [
    '.venv/bin/python', 'tools/feature_diagnostics.py', '--dataset',
    'nw_ucla_xview', '--json', 'docs/results_nw_ucla/feature_diagnostics.json',
    '--markdown', 'docs/results.md'
]


def test_make_results_nwucla_runs_the_nw_ucla_configs():
    command, diagnostics = RESULTS_NWUCLA, DIAGNOSTICS_NWUCLA
    assert _make_results() == command + diagnostics
    assert _make_results('EXTENDED=1') == command + ['--extended'] + \
        diagnostics
    assert _make_results('ABLATIONS=1', 'EXTENDED=1') == command + [
        '--ablations', '--extended'] + diagnostics


def test_make_results_nwucla_reuse_keeps_the_published_diagnostics():
    """REUSE=1 has no features of the reused runs: the diagnostics stay."""
    words = _make_results('REUSE=1', 'EXTENDED=1')
    n = len(RESULTS_NWUCLA) + 2
    assert words[:n] == RESULTS_NWUCLA + ['--extended', '--reuse-published']
    assert 'tools/feature_diagnostics.py' not in words
    assert ' '.join(words[n:]).startswith(
        "echo 'feature diagnostics: not rewritten")
