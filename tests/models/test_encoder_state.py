"""The encoder's weights of any checkpoint; the models depend on nothing
above them (``pstl_mm.apis``)."""
import re
from pathlib import Path

import pytest
import torch

import pstl_mm
from pstl_mm.models.encoder_state import encoder_state_dict


def test_backbone_prefix_removed_and_other_weights_left_out():
    weight, head = torch.ones(2), torch.zeros(3)
    state = encoder_state_dict(dict(state_dict={
        'backbone.gcn.weight': weight, 'cls_head.fc.weight': head}))
    assert list(state) == ['gcn.weight'] and state['gcn.weight'] is weight


def test_plain_keys_are_a_published_encoder():
    state = encoder_state_dict(dict(state_dict={'gcn.weight': torch.ones(2)}))
    assert list(state) == ['gcn.weight']


def test_no_weights_names_the_file():
    with pytest.raises(KeyError, match='enc.pth: the checkpoint holds no'):
        encoder_state_dict(dict(state_dict={}), 'enc.pth')


def test_models_import_nothing_from_apis():
    models = Path(pstl_mm.__file__).parent / 'models'
    sources = sorted(models.rglob('*.py'))
    assert len(sources) > 10
    pattern = re.compile(r'^\s*(from|import)\s+(\.\.+apis|pstl_mm\.apis)',
                         re.M)
    for path in sources:
        assert not pattern.search(path.read_text()), path


def test_only_the_registration_imports_maskable_stgcn():
    """Everything but the backbones package (and the official-checkpoint
    tool) uses the encoder contract, not one encoder."""
    root = Path(pstl_mm.__file__).parent
    pattern = re.compile(
        r'^\s*from\s+\S+\s+import\s+[^\n]*\bMaskableSTGCN\b|'
        r'^\s*from\s+\S*maskable_stgcn\s+import', re.M)
    sources = sorted(root.rglob('*.py'))
    importers = sorted(str(p.relative_to(root)) for p in sources
                       if pattern.search(p.read_text()))
    assert importers == ['models/backbones/__init__.py']


def test_maskable_stgcn_fulfils_the_contract_and_freezes():
    from pstl_mm.models import MaskableSTGCN, SkeletonEncoder
    encoder = MaskableSTGCN(hidden_channels=4, out_channels=8)
    assert isinstance(encoder, SkeletonEncoder)
    assert (encoder.in_channels, encoder.num_person, encoder.out_channels,
            encoder.layout.name) == (3, 2, 8, 'nturgb+d')
    assert encoder.freeze() is encoder
    assert not encoder.training
    assert not any(p.requires_grad for p in encoder.parameters())
    encoder.train()
    assert not encoder.training
    x = torch.randn(2, 2, 8, 25, 3)
    mask = torch.zeros(2, 25, dtype=torch.bool)
    mask[0, :4] = True
    pooled = encoder.forward_pooled(x, mask)
    assert torch.allclose(pooled, encoder.pool(encoder(x, mask), mask),
                          atol=1e-6)
