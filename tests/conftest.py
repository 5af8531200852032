"""Shared fixtures: the reference tensors of the authors' code."""
import os
from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(os.environ.get('PSTL_SHARED_DIR', REPO_ROOT.parent / 'shared'))
REFERENCE_DIR = SHARED_DIR / 'reference'
REFERENCE_FILE = REFERENCE_DIR / 'official_vectors.pt'


@pytest.fixture(scope='session')
def reference():
    """The dict of ``official_vectors.pt``; skips when it is absent."""
    if not REFERENCE_FILE.exists():
        pytest.skip(f'reference vectors not found at {REFERENCE_FILE} '
                    '(set PSTL_SHARED_DIR to the folder holding reference/)')
    return torch.load(REFERENCE_FILE, map_location='cpu', weights_only=True)
