"""MaskableSTGCN inside MMAction2's RecognizerGCN + GCNHead."""
import pickle

import numpy as np
import pytest
import torch
from mmaction.registry import DATASETS, MODELS
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

from pstl_mm.datasets.synthetic import make_synthetic_annotations

from tests.conftest import REPO_ROOT

CONFIG = (REPO_ROOT / 'configs' / 'pstl' / 'supervised' /
          'stgcn16_ntu60_xsub_supervised.py')


def test_recognizer_gcn_loss_and_predict(tmp_path):
    init_default_scope('mmaction')
    anns = make_synthetic_annotations(2, seed=5)
    names = [a['frame_dir'] for a in anns]
    ann_file = tmp_path / 'tiny.pkl'
    ann_file.write_bytes(
        pickle.dumps(dict(split=dict(xsub_train=names, xsub_val=names),
                          annotations=anns)))
    cfg = Config.fromfile(str(CONFIG))
    assert cfg.model.backbone.type == 'MaskableSTGCN'
    assert cfg.model.cls_head.type == 'GCNHead'
    cfg.model.backbone.hidden_channels = 8
    cfg.model.backbone.out_channels = 32
    cfg.model.cls_head.in_channels = 32
    model = MODELS.build(cfg.model)

    train_cfg = cfg.train_dataloader.dataset
    train_cfg.ann_file = str(ann_file)
    dataset = DATASETS.build(train_cfg)
    batch = model.data_preprocessor(
        pseudo_collate([dataset[i] for i in range(8)]), training=True)
    assert batch['inputs'].shape == (8, 1, 2, 50, 25, 3)
    losses = model(**batch, mode='loss')
    assert set(losses) == {'loss_cls', 'top1_acc', 'top5_acc'}
    # an untrained 60-way classifier: cross entropy near log(60)
    assert 2.0 < losses['loss_cls'].item() < 7.0
    losses['loss_cls'].backward()
    assert model.backbone.blocks[0].gcn_conv.weight.grad.abs().sum() > 0

    model.eval()
    test_cfg = cfg.test_dataloader.dataset
    test_cfg.ann_file = str(ann_file)
    test_set = DATASETS.build(test_cfg)
    batch = model.data_preprocessor(
        pseudo_collate([test_set[i] for i in range(4)]), training=False)
    with torch.no_grad():
        samples = model(**batch, mode='predict')
    assert len(samples) == 4
    for sample, ann in zip(samples, anns[:4]):
        assert sample.pred_score.shape == (60, )
        torch.testing.assert_close(sample.pred_score.sum(),
                                   torch.tensor(1.0))
        assert int(sample.gt_label) == ann['label']


def _masked_recognizer(head='MaskedGCNHead'):
    init_default_scope('mmaction')
    torch.manual_seed(0)
    return MODELS.build(
        dict(type='MaskedRecognizerGCN',
             backbone=dict(type='MaskableSTGCN', hidden_channels=8,
                           out_channels=32),
             cls_head=dict(type=head, num_classes=5,
                           in_channels=32))).eval()


def _samples(masks):
    from mmaction.structures import ActionDataSample
    samples = []
    for mask in masks:
        sample = ActionDataSample()
        if mask is not None:  # as PackActionInputs(algorithm_keys=...)
            sample.set_field(mask, 'joint_mask')
        samples.append(sample)
    return samples


def test_sample_masks_become_the_encoders_arguments_once():
    """Each clip gets its sample's mask; the backbone gets the kept joints
    worked out on the host, the head the mask; the scores are those of
    the backbone and head given the masks alone."""
    model = _masked_recognizer()
    x = torch.randn(3, 2, 2, 8, 25, 3,
                    generator=torch.Generator().manual_seed(0))
    masks = [np.arange(25) < 3, np.arange(25) >= 22, np.arange(25) % 8 == 1]
    calls = []
    model.backbone.register_forward_pre_hook(
        lambda module, args, kwargs: calls.append(kwargs), with_kwargs=True)
    with torch.no_grad():
        samples = model(x, _samples(masks), mode='predict')
    (kwargs, ) = calls
    flat_mask = torch.from_numpy(np.repeat(np.stack(masks), 2, axis=0))
    assert torch.equal(kwargs['joint_mask'], flat_mask)
    assert kwargs['kept_joints'].shape == (6, 22)  # 3 removed per sample
    assert kwargs['kept_joints'][1].tolist() == list(range(3, 25))
    assert kwargs['kept_joints'][2].tolist() == list(range(22))
    with torch.no_grad():
        feats = model.backbone(x.flatten(0, 1), flat_mask)
        scores = model.cls_head(feats, joint_mask=flat_mask).softmax(-1)
    expected = scores.view(3, 2, 5).mean(dim=1)
    got = torch.stack([sample.pred_score for sample in samples])
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6)
    # a sample without a mask keeps every joint: ragged counts (dense path)
    masks[1] = None
    calls.clear()
    with torch.no_grad():
        model(x, _samples(masks), mode='predict')
    assert calls[0]['kept_joints'] == 'ragged'
    assert not calls[0]['joint_mask'][2:4].any()


def test_masks_need_a_head_that_takes_them():
    model = _masked_recognizer(head='GCNHead')
    x = torch.zeros(1, 1, 2, 8, 25, 3)
    with pytest.raises(ValueError, match='GCNHead takes no joint_mask'):
        model(x, _samples([np.arange(25) < 3]), mode='predict')
