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
