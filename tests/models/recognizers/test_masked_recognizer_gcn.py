"""MaskableSTGCN inside MMAction2's RecognizerGCN + GCNHead."""
import pickle

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
