"""Fingerprints: a hash of everything that determines a step's result."""
import hashlib
import json
import os
import os.path as osp
import subprocess
from typing import Dict, Optional

import torch
from mmengine.config import Config

PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))

_FILE_HASHES: Dict[tuple, str] = {}

#: The modules of ``results/`` that compute a results run's numbers (with
#: ``pstl_mm.evaluation`` and the rest of the package). The others run and
#: report it: changing them, or adding one, leaves every step's fingerprint
#: as it was.
RESULTS_COMPUTE = frozenset(('evaluate.py', 'protocol_settings.py'))


def _bookkeeping(relpath: str) -> bool:
    """Whether a package path is a results module outside
    :data:`RESULTS_COMPUTE`."""
    folder, name = osp.split(relpath)
    return folder == 'results' and name not in RESULTS_COMPUTE


def file_sha256(path: str) -> str:
    """SHA-256 of a file's bytes (remembered per path, size and mtime).

    Raises:
        FileNotFoundError: ``path`` does not exist.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} does not exist')
    stat = os.stat(path)
    key = (osp.abspath(path), stat.st_size, stat.st_mtime_ns)
    if key not in _FILE_HASHES:
        digest = hashlib.sha256()
        with open(path, 'rb') as f:
            for block in iter(lambda: f.read(1 << 20), b''):
                digest.update(block)
        _FILE_HASHES[key] = digest.hexdigest()
    return _FILE_HASHES[key]


def source_hash(package_dir: str = PACKAGE_DIR,
                bookkeeping: bool = False) -> str:
    """SHA-256 over the package's ``.py`` files: their paths and contents.

    Args:
        package_dir (str): The package.
        bookkeeping (bool): Also hash the modules of ``results/`` that only
            run and report a results run (see :data:`RESULTS_COMPUTE`); by
            default they are left out, so that they can change without
            rerunning its steps.
    """
    digest = hashlib.sha256()
    for root, dirs, files in os.walk(package_dir):
        dirs[:] = sorted(d for d in dirs if d != '__pycache__')
        for name in sorted(f for f in files if f.endswith('.py')):
            path = osp.join(root, name)
            if not bookkeeping and _bookkeeping(
                    osp.relpath(path, package_dir)):
                continue
            digest.update(osp.relpath(path, package_dir).encode())
            with open(path, 'rb') as f:
                digest.update(hashlib.sha256(f.read()).digest())
    return digest.hexdigest()


def environment() -> dict:
    """The library versions and torch's thread count."""
    import mmaction
    import mmengine
    return dict(torch=torch.__version__, mmengine=mmengine.__version__,
                mmaction=mmaction.__version__,
                torch_threads=torch.get_num_threads())


def resolved_config(config: str, options: Optional[dict] = None) -> Config:
    """The config a tool runs: the file with ``options`` merged."""
    cfg = Config.fromfile(config)
    if options:
        cfg.merge_from_dict(options)
    return cfg


def config_text(cfg: Config) -> str:
    """The resolved config as canonical JSON (sorted keys)."""
    return json.dumps(cfg.to_dict(), sort_keys=True, default=repr)


def fingerprint(parts: dict) -> str:
    """SHA-256 of ``parts`` as canonical JSON.

    Args:
        parts (dict): What determines a result (JSON-serialisable; other
            values count by their ``repr``).

    Returns:
        str: 64 hex digits.
    """
    text = json.dumps(parts, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def _determines_results(path: str) -> bool:
    """Whether a changed file (relative to the repository) can change a
    result: anything in the package, configs or tools but the results run's
    own bookkeeping (what :func:`source_hash` leaves out, and
    ``tools/results.py``, its command line)."""
    if path == 'tools/results.py':
        return False
    if path.startswith('pstl_mm/'):
        return not _bookkeeping(path[len('pstl_mm/'):])
    return True


def git_commit(root: str) -> Optional[str]:
    """The commit checked out in ``root``, with ``+dirty`` when the package,
    the configs or the tools differ from it in a file that can change a
    result (the results run's bookkeeping left out, as in
    :func:`source_hash`); ``None`` outside git."""
    def git(*args):
        return subprocess.run(['git', '-C', root, *args], check=True,
                              capture_output=True, text=True).stdout

    try:
        commit = git('rev-parse', 'HEAD').strip()
        status = git('status', '--porcelain', '--', 'pstl_mm', 'configs',
                     'tools')
    except (OSError, subprocess.CalledProcessError):
        return None
    changed = [line[3:].split(' -> ')[-1].strip('"')
               for line in status.splitlines() if line.strip()]
    dirty = any(_determines_results(path) for path in changed)
    return commit + ('+dirty' if dirty else '')
