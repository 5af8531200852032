"""What a step's fingerprint depends on."""
import re

from pstl_mm.results.fingerprint import (config_text, environment,
                                         file_sha256, fingerprint, git_commit,
                                         resolved_config, source_hash)

from tests.conftest import CONFIG_DIR, REPO_ROOT

CONFIG = str(CONFIG_DIR / 'demo' / 'demo_pstl_synthetic.py')


def test_fingerprint_is_canonical_and_tells_parts_apart():
    one = fingerprint(dict(seed=0, config='a', environment=dict(x=1, y=2)))
    assert re.fullmatch(r'[0-9a-f]{64}', one)
    assert one == fingerprint(dict(environment=dict(y=2, x=1), config='a',
                                   seed=0))
    assert one != fingerprint(dict(seed=1, config='a',
                                   environment=dict(x=1, y=2)))
    assert one != fingerprint(dict(seed=0, config='a',
                                   environment=dict(x=1, y=3)))


def test_the_resolved_config_holds_the_options():
    plain = config_text(resolved_config(CONFIG))
    assert plain == config_text(resolved_config(CONFIG))
    assert plain != config_text(resolved_config(
        CONFIG, {'train_cfg.max_epochs': 1}))
    assert '"max_epochs": 5' in plain


def test_file_and_source_hashes(tmp_path):
    path = tmp_path / 'a.pkl'
    path.write_bytes(b'abc')
    assert file_sha256(str(path)) == ('ba7816bf8f01cfea414140de5dae2223b00361'
                                      'a396177a9cb410ff61f20015ad')
    path.write_bytes(b'abcd')  # another size: hashed again
    assert file_sha256(str(path)).startswith('88d4266f')
    package = tmp_path / 'pkg'
    package.mkdir()
    (package / 'a.py').write_text('x = 1\n')
    first = source_hash(str(package))
    (package / 'notes.txt').write_text('not a source')
    assert source_hash(str(package)) == first
    (package / 'a.py').write_text('x = 2\n')
    assert source_hash(str(package)) != first


def test_the_results_bookkeeping_is_not_part_of_the_source(tmp_path):
    """Editing how a results run is driven or reported keeps its steps'
    fingerprints; editing what computes its numbers does not."""
    (tmp_path / 'results').mkdir()
    for name in ('pipeline.py', 'evaluate.py'):
        (tmp_path / 'results' / name).write_text('x = 1\n')
    first = source_hash(str(tmp_path))
    (tmp_path / 'results' / 'pipeline.py').write_text('x = 2\n')
    (tmp_path / 'results' / 'plots.py').write_text('x = 2\n')
    assert source_hash(str(tmp_path)) == first
    assert source_hash(str(tmp_path), bookkeeping=True) != first
    (tmp_path / 'results' / 'evaluate.py').write_text('x = 2\n')
    assert source_hash(str(tmp_path)) != first


def test_environment_and_commit():
    env = environment()
    assert set(env) == {'torch', 'mmengine', 'mmaction', 'torch_threads'}
    assert env['torch_threads'] >= 1
    assert re.fullmatch(r'[0-9a-f]{40}(\+dirty)?', git_commit(str(REPO_ROOT)))


def test_commit_is_dirty_only_for_files_that_can_change_a_result(tmp_path):
    import subprocess

    def git(*args):
        subprocess.run(['git', '-C', str(tmp_path), *args], check=True,
                       capture_output=True)

    files = ['pstl_mm/results/pipeline.py', 'pstl_mm/results/evaluate.py',
             'pstl_mm/models/encoder.py', 'tools/results.py',
             'tools/train.py', 'configs/pstl/x.py', 'docs/results.md']
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text('0\n')
    git('init', '-q')
    git('add', '.')
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'x')
    clean = git_commit(str(tmp_path))
    assert re.fullmatch(r'[0-9a-f]{40}', clean)
    for name in ('pstl_mm/results/pipeline.py', 'tools/results.py',
                 'docs/results.md'):
        (tmp_path / name).write_text('1\n')
    (tmp_path / 'pstl_mm' / 'results' / 'new_table.py').write_text('1\n')
    assert git_commit(str(tmp_path)) == clean
    for name in ('pstl_mm/results/evaluate.py', 'pstl_mm/models/encoder.py',
                 'tools/train.py', 'configs/pstl/x.py'):
        (tmp_path / name).write_text('2\n')
        assert git_commit(str(tmp_path)) == clean + '+dirty', name
        git('checkout', '-q', '--', name)
    assert git_commit(str(tmp_path)) == clean
