"""Parity with the authors' encoder on the stored reference vectors."""
import subprocess
import sys

import pytest
import torch
from mmengine.runner import load_checkpoint

from pstl_mm.models.backbones import MaskableSTGCN
from pstl_mm.official_checkpoint import (OfficialCheckpointError,
                                         convert_official_state_dict)

from tests.conftest import REPO_ROOT

ATOL = 1e-5


def to_ours(x):
    """(N, C, T, V, M) of the authors' code -> (N, M, T, V, C)."""
    return x.permute(0, 4, 2, 3, 1).contiguous()


def build(official):
    model = MaskableSTGCN()
    converted = convert_official_state_dict(official, model)
    model.load_state_dict(
        {k[len('backbone.'):]: v
         for k, v in converted.items()}, strict=True)
    return model


def joint_mask(removed, n=4):
    mask = torch.zeros(25, dtype=torch.bool)
    mask[list(removed)] = True
    return mask.expand(n, 25)


def features(model, x, mask=None):
    with torch.no_grad():
        return model.pool(model(x, mask), mask)


def cases(ref):
    """(name, input, mask) of every stored encoder output."""
    x = to_ours(ref['x'])
    keep = torch.as_tensor(ref['matm_fixed_keep_idx'])
    return {
        'feat': (x, None),
        'feat_csm_fixed': (x, joint_mask(ref['csm_fixed_ignore_joint'])),
        'feat_csm_official': (x, joint_mask(ref['csm_official_ignore_joint'])),
        'feat_matm_fixed': (x[:, :, keep], None),
        'feat_matm_official': (to_ours(ref['matm_official_out']), None),
    }


@pytest.mark.parametrize('name', [
    'feat', 'feat_csm_fixed', 'feat_csm_official', 'feat_matm_fixed',
    'feat_matm_official'
])
def test_eval_features_match(reference, name):
    model = build(reference['encoder_state_dict']).eval()
    x, mask = cases(reference)[name]
    torch.testing.assert_close(
        features(model, x, mask), reference[name], rtol=0, atol=ATOL)


@pytest.mark.parametrize('name',
                         ['feat', 'feat_csm_fixed', 'feat_matm_fixed'])
def test_perturbed_features_match(reference, name):
    state = dict(reference['encoder_state_dict'])
    state.update(reference['perturbed_entries'])
    model = build(state).eval()
    x, mask = cases(reference)[name]
    out = features(model, x, mask)
    torch.testing.assert_close(
        out, reference[name + '_perturbed'], rtol=0, atol=ATOL)
    # the perturbation matters: default statistics give other features
    assert (out - reference[name]).abs().max() > 1e-3


@pytest.mark.parametrize('name',
                         ['feat', 'feat_csm_fixed', 'feat_matm_fixed'])
def test_train_mode_without_dropout_matches(reference, name):
    model = build(reference['encoder_state_dict']).train()
    for module in model.modules():
        if isinstance(module, torch.nn.Dropout):
            module.eval()
    x, mask = cases(reference)[name]
    torch.testing.assert_close(
        features(model, x, mask), reference[name + '_train_nodrop'], rtol=0,
        atol=ATOL)


def test_converter_refuses_wrong_keys_and_shapes(reference):
    state = dict(reference['encoder_state_dict'])
    state['st_gcn_networks.3.tcn.2.weight'] = torch.zeros(16, 16, 5, 1)
    del state['edge_importance.7']
    state['fc.weight'] = torch.zeros(60, 256)
    with pytest.raises(OfficialCheckpointError) as err:
        build(state)
    message = str(err.value)
    assert 'st_gcn_networks.3.tcn.2.weight has shape [16, 16, 5, 1]' in message
    assert 'backbone.blocks.7.edge_importance' in message
    assert 'no counterpart: fc.weight' in message
    other = MaskableSTGCN(layout='kinect_v1')
    with pytest.raises(OfficialCheckpointError, match='is not the graph'):
        convert_official_state_dict(reference['encoder_state_dict'], other)


def test_full_model_state_dict_maps_the_projector_to_the_neck(reference):
    small = reference['small_btwins_state_dict']
    state = {'encoder.' + k: v
             for k, v in reference['encoder_state_dict'].items()}
    state.update({'btwins_head.' + k: v for k, v in small.items()})
    neck = torch.nn.Module()
    neck.projector = torch.nn.Sequential(
        torch.nn.Linear(256, 64, bias=False), torch.nn.BatchNorm1d(64),
        torch.nn.ReLU(), torch.nn.Linear(64, 64, bias=False),
        torch.nn.BatchNorm1d(64), torch.nn.ReLU(),
        torch.nn.Linear(64, 64, bias=False))
    converted = convert_official_state_dict(state, MaskableSTGCN(), neck)
    assert torch.equal(converted['neck.projector.6.weight'],
                       small['projector.6.weight'])
    assert not any(k.startswith('head.') for k in converted)


def test_convert_tool_writes_a_loadable_checkpoint(reference, tmp_path):
    src = tmp_path / 'official.pt'
    dst = tmp_path / 'out' / 'pstl_encoder.pth'
    torch.save(reference['encoder_state_dict'], src)
    done = subprocess.run(
        [sys.executable, 'tools/convert_official_ckpt.py', str(src), str(dst)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert 'converted 176 tensors' in done.stdout
    ckpt = torch.load(dst, weights_only=True)
    assert set(ckpt) == {'state_dict', 'meta'}
    model = torch.nn.Module()
    model.backbone = MaskableSTGCN()
    load_checkpoint(model, str(dst), strict=True)
    x, _ = cases(reference)['feat']
    torch.testing.assert_close(
        features(model.backbone.eval(), x), reference['feat'], rtol=0,
        atol=ATOL)

    bad = dict(reference['encoder_state_dict'])
    bad['data_bn.weight'] = torch.ones(50)
    torch.save(bad, src)
    dst.unlink()
    done = subprocess.run(
        [sys.executable, 'tools/convert_official_ckpt.py', str(src), str(dst)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert 'data_bn.weight has shape [50]' in done.stderr
    assert not dst.exists() and list(dst.parent.iterdir()) == []
