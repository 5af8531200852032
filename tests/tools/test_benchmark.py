"""``tools/benchmark.py gpu``: its dry run on CPU writes the four rows and
the 150-epoch projection; without CUDA it asks for the dry run."""
import re
import sys

from tests.conftest import REPO_ROOT, run_command

TOOL = str(REPO_ROOT / 'tools' / 'benchmark.py')
SMALL = ['model.backbone.hidden_channels=4', 'model.backbone.out_channels=16',
         'model.neck.in_channels=16', 'model.neck.hidden_channels=32',
         'model.neck.out_channels=32']


def test_gpu_dry_run_writes_four_rows_and_their_projection(tmp_path):
    doc = tmp_path / 'benchmarks.md'
    doc.write_text('before\n<!-- gpu-steps:begin -->\nold rows\n'
                   '<!-- gpu-steps:end -->\nafter\n')
    status, out = run_command([
        sys.executable, TOOL, 'gpu', '--dry-run', '--device', 'cpu',
        '--batch', '4', '--steps', '2', '--epochs', '150', '--samples',
        '40091', '--compile-backend', 'eager', '--markdown', str(doc),
        '--cfg-options', *SMALL
    ], timeout=600)
    assert status == 0, out
    text = doc.read_text()
    assert text.startswith('before\n<!-- gpu-steps:begin -->\nCPU, ')
    assert text.endswith('<!-- gpu-steps:end -->\nafter\n')
    assert 'old rows' not in text
    assert '150 epochs x 10023 steps (40091 clips)' in text
    rows = re.findall(r'^\| (on|off) \| (off|eager) \| ([\d.]+) \| ([\d.]+) '
                      r'\| (-?[\d.]+) \| - \| ([\d.]+) \|$', text, re.M)
    assert [(amp, comp) for amp, comp, *_ in rows] == [
        ('off', 'off'), ('on', 'off'), ('off', 'eager'), ('on', 'eager')]
    for _, _, seconds, rate, _, hours in rows:
        seconds = float(seconds)
        # 150 epochs x ceil(40091 / 4) steps x s/step, in hours.
        # (s/step printed to 1e-4, hours to 1e-2)
        assert abs(float(hours) - 150 * 10023 * seconds / 3600) <= \
            0.005 + 150 * 10023 * 5e-5 / 3600
        assert abs(float(rate) - 4 / seconds) <= 0.05 + 4 / seconds * 1e-3


def test_gpu_without_cuda_asks_for_the_dry_run():
    status, out = run_command([sys.executable, TOOL, 'gpu', '--markdown', ''],
                              timeout=300)
    assert status == 2
    assert 'error: no CUDA device; --dry-run checks the command' in out



def _benchmark_module():
    import importlib.util
    spec = importlib.util.spec_from_file_location('pstl_benchmark_tool', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_compile_projection_is_first_epoch_plus_median_later_epochs(
        tmp_path):
    bench = _benchmark_module()
    # scalars.json as MMEngine's logger writes it with interval 1.
    log = tmp_path / 'run' / '20261203_000000' / 'vis_data'
    log.mkdir(parents=True)
    records = [dict(epoch=1, iter=1, time=200.0), dict(epoch=1, iter=2,
                                                        time=4.0),
               dict(epoch=2, iter=3, time=5.0), dict(epoch=2, iter=4,
                                                      time=3.0),
               dict(epoch=3, iter=5, time=6.0), dict(epoch=3, iter=6,
                                                      time=6.0),
               dict(epoch=3, iter=6, lr=0.1)]
    (log / 'scalars.json').write_text(
        '\n'.join(__import__('json').dumps(r) for r in records) + '\n')
    per_epoch = bench._epoch_times(str(tmp_path / 'run'))
    assert per_epoch == [[200.0, 4.0], [5.0, 3.0], [6.0, 6.0]]
    epochs = [sum(e) for e in per_epoch]  # 204, 8, 12
    # 204 + 19 x median(8, 12) = 204 + 19 x 10
    assert bench.project_run(epochs, 20) == 394.0
    assert bench.project_run([204.0], 20) == 204.0 * 20
    assert bench.project_run(epochs, 1) == 204.0 + 0 * 10
