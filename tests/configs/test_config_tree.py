"""The config tree: short inheritance chains, datasets and label fractions
that do not inherit each other, one pretraining config per encoder, the
skeleton layout named once (in the dataset bases), no positional patches of
base lists, short leaves. Every list here is read from the tree."""
import ast
import io
import os.path as osp
import tokenize

import pytest
from mmengine.config import Config

from tests.conftest import CONFIG_DIR

CONFIGS = sorted(CONFIG_DIR.rglob('*.py'))
LEAVES = [
    p for p in CONFIGS if '_base_' not in p.relative_to(CONFIG_DIR).parts
]
DATASET_BASES = CONFIG_DIR / '_base_' / 'datasets'
MAX_LEAF_LINES = 15


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


def from_base(node):
    """Whether ``node`` is ``_base_`` or an attribute chain on it."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id == '_base_'


def layout_keys(tree):
    """Line numbers where ``layout`` is set: ``layout=`` in a call, a
    ``'layout'`` dict key or a variable ``layout``."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == 'layout':
            lines.append(node.value.lineno)
        elif isinstance(node, ast.Dict):
            lines += [
                key.lineno for key in node.keys
                if isinstance(key, ast.Constant) and key.value == 'layout'
            ]
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = getattr(node, 'targets', [getattr(node, 'target', None)])
            lines += [
                t.lineno for t in targets
                if isinstance(t, ast.Name) and t.id == 'layout'
            ]
    return sorted(lines)


def positional_patches(tree):
    """Line numbers where a base list is taken apart by position:
    ``_base_.x[...]`` or ``a, b = _base_.x``."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and from_base(node.value):
            lines.append(node.lineno)
        elif isinstance(node, ast.Assign) and from_base(node.value) and any(
                isinstance(t, (ast.Tuple, ast.List)) for t in node.targets):
            lines.append(node.lineno)
    return sorted(lines)


def code_lines(text):
    """Physical lines holding code: comments and blank lines left out, every
    line of a multi-line statement counted."""
    lines = set()
    skipped = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE,
               tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING,
               tokenize.ENDMARKER)
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type not in skipped:
            lines.update(range(token.start[0], token.end[0] + 1))
    return len(lines)


def test_the_tree_holds_its_configs_and_their_bases():
    assert len(LEAVES) > 100  # the glob found the tree
    leaf_names = {p.stem for p in LEAVES}
    assert len(leaf_names) == len(LEAVES), 'two leaves share a name'
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
        # Every encoder has its linear and kNN evaluation.
        for protocol in ('linear', 'knn'):
            assert (CONFIG_DIR / protocol / f'{protocol}_{name}.py').is_file()
    pretrainings = {p.stem[len('pstl_'):] for p in CONFIG_DIR.glob('pstl_*.py')}
    # Variants of ntu60_xsub (the authors' draws, MMAction2's 3-D and 2-D
    # pickles): an evaluation of them overrides the checkpoint on the
    # command line.
    assert pretrainings - set(cfg.pstl) == {
        'ntu60_xsub_reference', 'ntu60_xsub_mmaction', 'coco2d_ntu60_xsub',
        'coco2d_ntu60_xsub_noscore'
    }
    # Every evaluation of a pretrained encoder names one of them.
    for folder in ('linear', 'finetune', 'semi', 'knn'):
        for path in (CONFIG_DIR / folder).glob('*.py'):
            assert path.stem.split('_', 1)[1] in cfg.pstl, relative(path)
    demo = Config.fromfile(str(CONFIG_DIR / 'demo' / 'demo_pstl_synthetic.py'))
    assert cfg.demo_pstl.init_cfg.checkpoint == \
        f'work_dirs/demo_pstl_synthetic/epoch_{demo.train_cfg.max_epochs}.pth'


@pytest.mark.parametrize('path', CONFIGS, ids=[relative(p) for p in CONFIGS])
def test_layout_is_named_only_in_the_dataset_bases(path):
    lines = layout_keys(ast.parse(path.read_text()))
    if path.parent == DATASET_BASES:
        return
    assert not lines, (f'{relative(path)}, lines {lines}: the layout comes '
                       'from _base_/datasets (the samples carry it; the '
                       'encoder takes _base_.skeleton)')


def test_every_dataset_names_its_skeletons_once():
    datasets = [p for p in DATASET_BASES.glob('*.py') if not bases(p)]
    assert datasets
    for path in datasets:
        cfg = Config.fromfile(str(path))
        assert set(cfg.skeleton) == {'layout', 'num_person'}, relative(path)
        for key, value in cfg.skeleton.items():
            assert cfg.data[key] == value, (relative(path), key)
        assert len(layout_keys(ast.parse(path.read_text()))) == 1


@pytest.mark.parametrize('path', CONFIGS, ids=[relative(p) for p in CONFIGS])
def test_no_positional_patches_of_base_lists(path):
    lines = positional_patches(ast.parse(path.read_text()))
    assert not lines, (f'{relative(path)}, lines {lines}: a base list taken '
                       'apart by position; name what is needed in the base')


@pytest.mark.parametrize('path', LEAVES, ids=[relative(p) for p in LEAVES])
def test_leaf_is_short(path):
    assert code_lines(path.read_text()) <= MAX_LEAF_LINES


@pytest.mark.parametrize('path', LEAVES, ids=[relative(p) for p in LEAVES])
def test_leaf_gives_the_encoder_the_skeletons_of_its_dataset(path):
    """A leaf with a dataset and a model hands ``_base_.skeleton`` to it
    (the protocols' encoder has no layout of its own)."""
    if not any(base.parent == DATASET_BASES for base in ancestors(path)):
        return
    tree = ast.parse(path.read_text())
    models = [
        node.value for node in tree.body if isinstance(node, ast.Assign)
        and getattr(node.targets[0], 'id', None) == 'model'
    ]
    assert models, f'{relative(path)}: no model = dict(backbone=...)'
    assert any(
        isinstance(node, ast.Attribute) and node.attr == 'skeleton'
        and from_base(node) for node in ast.walk(models[0])), relative(path)


def test_the_rules_catch_what_they_forbid():
    patched = ast.parse(
        "augment = _base_.augment[:-1] + [dict(_base_.augment[-1], "
        "layout=layout)]\nwarmup, cosine = _base_.param_scheduler\n"
        "layout = _base_.data.layout\nx = dict(_base_.pstl.a, k=[1][0])\n")
    assert positional_patches(patched) == [1, 1, 2]
    assert layout_keys(patched) == [1, 3]
    assert layout_keys(ast.parse("d = {'layout': 'coco'}")) == [1]
    text = ('# comment\n\nmodel = dict(\n    a=1,  # note\n\n    b=2)\n'
            '"""doc\nstring"""\n')
    assert code_lines(text) == 5
