"""The encoder outside a runner: init_encoder, extract_features, the
feature-extraction and publishing tools."""
import hashlib
import re
import sys

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

from pstl_mm.apis import extract_features, init_encoder, publish_encoder

from tests.conftest import (CONFIG_DIR, REPO_ROOT, build_runner, run_command,
                            tiny_cfg, write_annotations)

CONFIG = CONFIG_DIR / 'pstl_ntu60_xsub.py'


def _tool(name, *args):
    """Run ``tools/<name>.py args``; its exit status and output."""
    return run_command([sys.executable, str(REPO_ROOT / 'tools' /
                                            f'{name}.py'), *args],
                       timeout=300)


@pytest.fixture(scope='module')
def pretrained(tmp_path_factory):
    """One epoch of tiny PSTL pretraining: its checkpoint, config, data."""
    init_default_scope('mmaction')
    root = tmp_path_factory.mktemp('apis')
    ann = write_annotations(root / 'tiny.pkl', 2, 0)
    cfg = tiny_cfg(str(CONFIG), ann, root / 'work',
                   **{'train_cfg.max_epochs': 1,
                      'train_dataloader.batch_size': 10})
    runner = build_runner(cfg)
    runner.train()
    state = {
        k[len('backbone.'):]: v.clone()
        for k, v in runner.model.state_dict().items()
        if k.startswith('backbone.')
    }
    config = root / 'tiny_pstl.py'
    cfg.dump(str(config))
    return dict(ckpt=str(root / 'work' / 'epoch_1.pth'), cfg=cfg, ann=ann,
                state=state, config=str(config))


def _clips(count, seed=0, frames=(12, 12, 7), persons=(2, 1, 2)):
    rng = np.random.default_rng(seed)
    return [
        rng.normal(size=(persons[i % len(persons)],
                         frames[i % len(frames)], 25, 3)).astype(np.float32)
        for i in range(count)
    ]


def test_init_encoder_from_a_config_or_the_checkpoint_alone(pretrained):
    for config in (pretrained['cfg'], None):
        encoder = init_encoder(config, pretrained['ckpt'])
        assert not encoder.training and encoder.frozen
        assert encoder.layout.name == 'nturgb+d'
        assert encoder.out_channels == 32  # the tiny config's width
        assert not any(p.requires_grad for p in encoder.parameters())
        state = encoder.state_dict()
        assert sorted(state) == sorted(pretrained['state'])
        for key, value in pretrained['state'].items():
            assert torch.equal(state[key], value), key
        encoder.train()
        assert not encoder.training  # a frozen encoder stays in eval mode


def test_init_encoder_refuses_weights_of_another_encoder(pretrained):
    # The paper-width config does not fit the tiny checkpoint.
    with pytest.raises(RuntimeError, match='do not fit the encoder'):
        init_encoder(str(CONFIG), pretrained['ckpt'])
    with pytest.raises(FileNotFoundError, match='nothing.pth'):
        init_encoder(str(CONFIG), 'nothing.pth')


def test_features_of_a_clip_alone_equal_those_in_a_batch(pretrained):
    encoder = init_encoder(None, pretrained['ckpt'])
    clips = _clips(7)
    feats = extract_features(encoder, clips, batch_size=4)
    assert feats.shape == (7, 32) and feats.dtype == np.float32
    assert np.isfinite(feats).all() and feats.std(axis=0).mean() > 1e-3
    for i in (0, 1, 5):
        alone = extract_features(encoder, [clips[i]])
        np.testing.assert_allclose(alone[0], feats[i], rtol=1e-5, atol=1e-6)
    # A one-person clip is padded with a zero person, as FormatGCNInput.
    padded = np.concatenate([clips[1], np.zeros_like(clips[1])])
    np.testing.assert_allclose(
        extract_features(encoder, [padded])[0], feats[1], rtol=1e-5,
        atol=1e-6)
    # The same as the encoder's own pooled forward pass.
    x = torch.from_numpy(np.stack([clips[0], clips[3]]))
    with torch.no_grad():
        expected = encoder.forward_pooled(x).numpy()
    np.testing.assert_allclose(feats[[0, 3]], expected, rtol=1e-5, atol=1e-6)
    # An (N, M, T, V, C) array works as a list does.
    same = np.stack([clips[0], clips[3]])
    np.testing.assert_allclose(
        extract_features(encoder, same), expected, rtol=1e-5, atol=1e-6)


def test_features_with_joint_masks(pretrained):
    encoder = init_encoder(None, pretrained['ckpt'])
    clips = _clips(4, frames=(10, ), persons=(2, ))
    shared = np.zeros(25, bool)
    shared[[3, 7, 11]] = True
    masked = extract_features(encoder, clips, joint_mask=shared)
    plain = extract_features(encoder, clips)
    assert np.abs(masked - plain).max() > 1e-4
    # Removed joints do not matter.
    noisy = [c.copy() for c in clips]
    for c in noisy:
        c[:, :, shared] = 100.0
    np.testing.assert_allclose(
        extract_features(encoder, noisy, joint_mask=shared), masked,
        rtol=1e-5, atol=1e-6)
    per_clip = np.zeros((4, 25), bool)
    per_clip[0] = shared
    per_clip[2, :5] = True
    feats = extract_features(encoder, clips, joint_mask=per_clip)
    np.testing.assert_allclose(feats[0], masked[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(feats[1], plain[1], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r'shape \(25,\) or \(4, 25\)'):
        extract_features(encoder, clips, joint_mask=np.zeros(24, bool))
    with pytest.raises(ValueError, match='must be bool'):
        extract_features(encoder, clips, joint_mask=np.zeros(25))


def test_a_clip_that_does_not_fit_is_named(pretrained):
    encoder = init_encoder(None, pretrained['ckpt'])
    clips = _clips(3)
    clips[2] = clips[2][:, :, :20]
    with pytest.raises(ValueError, match=r"clip 2: has 20 joints.*'nturgb"):
        extract_features(encoder, clips)
    clips = _clips(3)
    clips[1][0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match='clip 1: coordinates are not all '
                       'finite'):
        extract_features(encoder, clips)
    with pytest.raises(ValueError, match='clip 0: 3 persons'):
        extract_features(encoder, [np.zeros((3, 5, 25, 3), np.float32)])
    with pytest.raises(ValueError, match=r'clip 0: expected \(M, T, 25, 3\)'):
        extract_features(encoder, [np.zeros((5, 25, 3), np.float32)])


def test_extract_features_tool_and_tsne_of_its_file(pretrained, tmp_path):
    out = tmp_path / 'feats.npz'
    status, printed = _tool(
        'extract_features', pretrained['config'], pretrained['ckpt'],
        '--ann-file', pretrained['ann'], '--split', 'xsub_val', '--out',
        str(out))
    assert status == 0, printed
    saved = np.load(out)
    assert saved['features'].shape == (20, 32)
    assert len(set(saved['labels'].tolist())) == 10
    assert len(set(saved['names'].tolist())) == 20
    # The file's features are the API's on the same clips.
    import pickle
    with open(pretrained['ann'], 'rb') as f:
        anns = pickle.load(f)['annotations']
    by_name = {a['frame_dir']: a for a in anns}
    encoder = init_encoder(None, pretrained['ckpt'])
    expected = extract_features(
        encoder, [by_name[n]['keypoint'] for n in saved['names']])
    np.testing.assert_allclose(saved['features'], expected, rtol=1e-5,
                               atol=1e-6)
    assert saved['labels'].tolist() == [
        by_name[n]['label'] for n in saved['names']
    ]
    assert f'wrote {out}: features (20, 32)' in printed

    status, printed = _tool('visualize', 'tsne', pretrained['config'],
                            pretrained['ckpt'], '--features', str(out),
                            '--out-dir', str(tmp_path))
    assert status == 0, printed
    assert '20 samples, 10 classes' in printed


def test_published_encoder_loads_in_init_encoder_and_recognizer(
        pretrained, tmp_path):
    from mmaction.registry import MODELS
    final = publish_encoder(pretrained['ckpt'],
                            str(tmp_path / 'pstl_tiny.pth'))
    match = re.fullmatch(r'.*/pstl_tiny-([0-9a-f]{8})\.pth', final)
    assert match
    with open(final, 'rb') as f:
        assert hashlib.sha256(f.read()).hexdigest()[:8] == match.group(1)
    raw = torch.load(final, map_location='cpu', weights_only=True)
    assert set(raw) == {'meta', 'state_dict'}
    assert sorted(raw['state_dict']) == sorted(pretrained['state'])
    assert raw['meta']['backbone']['hidden_channels'] == 8

    encoder = init_encoder(None, final)
    for key, value in pretrained['state'].items():
        assert torch.equal(encoder.state_dict()[key], value), key

    init_default_scope('mmaction')
    backbone = dict(raw['meta']['backbone'],
                    init_cfg=dict(type='Pretrained', checkpoint=final))
    recognizer = MODELS.build(
        dict(type='RecognizerGCN', backbone=backbone,
             cls_head=dict(type='GCNHead', num_classes=10, in_channels=32)))
    recognizer.init_weights()
    for key, value in pretrained['state'].items():
        assert torch.equal(recognizer.backbone.state_dict()[key], value), key
