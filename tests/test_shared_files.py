"""A missing file of the shared folder skips its tests (``make test`` on a
plain clone passes, one summary line saying which were skipped and why),
except under ``PSTL_REQUIRE_SHARED=1``, which ``.ci/run`` sets: there it
fails them."""
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT, REQUIRE_SHARED, SHARED_DIR, need_shared


def test_present_file_is_returned():
    assert need_shared(REPO_ROOT / 'Makefile') == REPO_ROOT / 'Makefile'


@pytest.mark.parametrize('value', [None, '', '0'])
def test_missing_file_skips_by_default(tmp_path, monkeypatch, value):
    if value is None:
        monkeypatch.delenv(REQUIRE_SHARED, raising=False)
    else:
        monkeypatch.setenv(REQUIRE_SHARED, value)
    with pytest.raises(pytest.skip.Exception) as info:
        need_shared(tmp_path / 'reference')
    assert str(info.value) == (
        f'{tmp_path / "reference"} not found (set PSTL_SHARED_DIR to the '
        'folder holding data/ and reference/)')


def test_missing_file_fails_when_required(tmp_path, monkeypatch):
    monkeypatch.setenv(REQUIRE_SHARED, '1')
    with pytest.raises(pytest.fail.Exception) as info:
        need_shared(tmp_path / 'data')
    assert str(info.value).startswith(f'{tmp_path / "data"} not found')
    assert 'PSTL_REQUIRE_SHARED is set' in str(info.value)


def test_make_test_skips_and_ci_requires_the_shared_files():
    """``make test`` skips; ``.ci/run`` runs it with the variable set."""
    assert (REPO_ROOT / '.ci' / 'run').read_text().splitlines()[-1] == \
        'make test PSTL_REQUIRE_SHARED=1'
    assert _make_commands()[-1] == ('PSTL_REQUIRE_SHARED=0 .venv/bin/python '
                                    '-m pytest -q tests')
    on = _make_commands('PSTL_REQUIRE_SHARED=1')
    assert on[-1].startswith('PSTL_REQUIRE_SHARED=1 ')


@pytest.mark.parametrize('require', ['0', '1'])
def test_summary_line_names_the_skipped_tests(tmp_path, require):
    """Without the folder: one line says which tests and files, and why;
    with ``PSTL_REQUIRE_SHARED=1`` the same tests fail instead."""
    env = dict(os.environ, PSTL_SHARED_DIR=str(tmp_path / 'none'),
               PSTL_REQUIRE_SHARED=require)
    out = subprocess.run(
        [sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
         'tests/test_shared_files.py::test_the_shared_folder_of_this_checkout'],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    lines = [line for line in out.stdout.splitlines()
             if 'for want of the shared files' in line]
    if require == '0':
        assert out.returncode == 0, out.stdout[-2000:]
        missing = tmp_path / 'none' / 'reference' / 'official_vectors.pt'
        assert lines == [
            '1 tests skipped for want of the shared files '
            f'(tests/test_shared_files.py): {missing} not found; set '
            'PSTL_SHARED_DIR to the folder holding data/ and reference/ to '
            'run them, PSTL_REQUIRE_SHARED=1 to fail on them']
    else:
        assert out.returncode == 1 and lines == [], out.stdout[-2000:]
        assert '1 failed' in out.stdout


def _make_commands(*args):
    """What ``make -n test`` would run, also when run from within make
    (whose flags and ``PSTL_REQUIRE_SHARED`` are left out); ``-o`` keeps
    the set-up stamp as it is, so nothing is rebuilt."""
    env = {k: v for k, v in os.environ.items()
           if k not in ('MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'MAKEOVERRIDES',
                        'PSTL_REQUIRE_SHARED')}
    out = subprocess.run(['make', '--no-print-directory', '-n', '-o',
                          '.venv/.installed', 'test', *args], cwd=REPO_ROOT,
                         capture_output=True,
                         text=True, check=True, env=env).stdout
    return out.splitlines()


def test_the_shared_folder_of_this_checkout():
    """Where the folder is, the files the parity tests read are in it."""
    for name in ('reference/official_vectors.pt',
                 'reference/aimclr_ntu_preprocess.pt',
                 'reference/aimclr_pku_preprocess.pt',
                 'data/ntu_samples/NTU_RGBD_samples_with_missing_skeletons'
                 '.txt', 'data/pku_mmd_samples/Split/cross-subject.txt',
                 'data/nw_ucla/nw_ucla_all_sqe.tgz'):
        need_shared(SHARED_DIR / name)
