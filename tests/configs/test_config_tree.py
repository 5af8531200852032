"""The config tree: short inheritance chains, datasets and label fractions
that do not inherit each other, one pretraining config per encoder."""
import ast
import os.path as osp

import pytest
from mmengine.config import Config

from tests.conftest import CONFIG_DIR

CONFIGS = sorted(CONFIG_DIR.rglob('*.py'))
LEAVES = [p for p in CONFIGS if '_base_' not in p.parts]


def bases(path):
    """The project files ``path`` lists in ``_base_`` (``scope::`` ones, e.g.
    MMAction2's, left out), as absolute paths."""
    for node in ast.parse(path.read_text()).body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and getattr(node.targets[0], 'id', None) == '_base_'):
            value = ast.literal_eval(node.value)
            names = [value] if isinstance(value, str) else value
            return [
                path.parent.joinpath(name).resolve() for name in names
                if '::' not in name
            ]
    return []


def chain_length(path):
    """Files in the longest chain of project ``_base_`` files from ``path``,
    ``path`` included."""
    return 1 + max((chain_length(base) for base in bases(path)), default=0)


def ancestors(path):
    """Every project file ``path`` inherits, directly or not."""
    found = set()
    for base in bases(path):
        found |= {base} | ancestors(base)
    return found


def relative(path):
    return osp.relpath(path, CONFIG_DIR)


def test_the_tree_holds_every_config():
    assert len(LEAVES) == 129
    for path in CONFIGS:
        for base in bases(path):
            assert base.is_file(), f'{relative(path)}: {base} is missing'


@pytest.mark.parametrize('path', CONFIGS, ids=[relative(p) for p in CONFIGS])
def test_base_chain_is_at_most_three_files_long(path):
    assert chain_length(path) <= 3


@pytest.mark.parametrize('path', CONFIGS, ids=[relative(p) for p in CONFIGS])
def test_ntu120_and_semi1_inherit_neither_ntu60_nor_semi10(path):
    names = [base.name for base in ancestors(path)]
    if 'ntu120' in path.name:
        assert not [n for n in names if 'ntu60' in n], names
    if path.name.startswith('semi1_') or path.name == 'semi1.py':
        assert not [n for n in names if 'semi10' in n], names


def test_every_pretrained_encoder_is_a_pretraining_config():
    cfg = Config.fromfile(str(CONFIG_DIR / '_base_' / 'pretrained.py'))
    for name, backbone in cfg.pstl.items():
        pretraining = CONFIG_DIR / f'pstl_{name}.py'
        epochs = Config.fromfile(str(pretraining)).train_cfg.max_epochs
        assert backbone.init_cfg.checkpoint == \
            f'work_dirs/pstl_{name}/epoch_{epochs}.pth'
    pretrainings = {p.stem[len('pstl_'):] for p in CONFIG_DIR.glob('pstl_*.py')}
    # Variants of ntu60_xsub (the authors' draws, MMAction2's pickles): an
    # evaluation of them overrides the checkpoint on the command line.
    assert pretrainings - set(cfg.pstl) == {'ntu60_xsub_reference',
                                            'ntu60_xsub_mmaction'}
