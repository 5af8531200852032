"""MMAction2's own backbones through the configs: PSTL pretrains STGCN++ on
NW-UCLA-shaped data with MMEngine's runner, the linear protocol trains a
GCNHead on the frozen result, and the pretrained weights load into
MMAction2's own STGCN++ recognizer config with one ``init_cfg`` line."""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from tests.conftest import REPO_ROOT, build_runner, write_annotations

CONFIG_DIR = REPO_ROOT / 'configs' / 'pstl'
#: base_channels 8: 32 channels at the end (mstcn: 1 per branch).
SMALL = {'model.backbone.backbone.base_channels': 8}


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmaction')


def _loaders(cfg, ann_file, *names):
    for loader in names:
        cfg.merge_from_dict({
            f'{loader}.dataset.ann_file': ann_file,
            f'{loader}.num_workers': 0,
            f'{loader}.batch_size': 8,
        })


def test_pretrain_then_linear_on_the_frozen_encoder(tmp_path):
    # AAGCN's configs build and run masked in
    # tests/models/backbones/test_masked_backbone.py.
    backbone = 'stgcnpp'
    import pstl_mm  # noqa: F401
    ann = write_annotations(tmp_path / 'ucla.pkl', 3, 1, 'kinect_v1')
    cfg = Config.fromfile(
        str(CONFIG_DIR / f'pstl_{backbone}_nw_ucla_xview.py'))
    cfg.merge_from_dict(dict(
        SMALL, work_dir=str(tmp_path / 'pretrain'),
        **{'model.neck.in_channels': 32, 'model.neck.hidden_channels': 64,
           'model.neck.out_channels': 64, 'train_cfg.max_epochs': 2,
           'default_hooks.logger.interval': 1,
           'default_hooks.checkpoint.interval': 2,
           'param_scheduler': [dict(type='ConstantLR', factor=1.0)]}))
    _loaders(cfg, ann, 'train_dataloader')
    runner = build_runner(cfg)
    assert type(runner.model.backbone).__name__ == 'MaskedBackbone'
    runner.train()
    losses = runner.message_hub.get_scalar('train/loss').data[0]
    assert len(losses) == 2 * 4 and np.isfinite(losses).all()
    assert runner.message_hub.get_scalar('train/loss_spatial') is not None
    pretrained = {k: v.clone() for k, v in
                  runner.model.backbone.state_dict().items()}

    linear = Config.fromfile(
        str(CONFIG_DIR / 'linear' / f'linear_{backbone}_nw_ucla_xview.py'))
    linear.merge_from_dict(dict(
        SMALL, work_dir=str(tmp_path / 'linear'),
        **{'model.cls_head.in_channels': 32, 'train_cfg.max_epochs': 1,
           'train_cfg.val_interval': 1,
           'model.backbone.init_cfg.checkpoint':
           str(tmp_path / 'pretrain' / 'epoch_2.pth')}))
    _loaders(linear, ann, 'train_dataloader', 'val_dataloader',
             'test_dataloader')
    runner = build_runner(linear)
    assert type(runner.model).__name__ == 'RecognizerGCN'
    assert type(runner.model.cls_head).__name__ == 'GCNHead'
    runner.train()
    after = runner.model.backbone.state_dict()
    assert set(after) == set(pretrained)
    for key, value in pretrained.items():
        assert torch.equal(after[key], value), key
    assert 0.0 <= runner.message_hub.get_scalar(
        'val/acc/top1').current() <= 1.0


def test_pretrained_stgcnpp_loads_into_mmaction2s_own_config(tmp_path):
    """One init_cfg line in MMAction2's STGCN++ config: every backbone key
    found, none unexpected, the weights those of the pretraining."""
    import mmaction
    from mmaction.registry import MODELS
    from mmengine.runner.checkpoint import _load_checkpoint_with_prefix

    import pstl_mm  # noqa: F401
    cfg = Config.fromfile(str(CONFIG_DIR / 'pstl_stgcnpp_ntu60_xsub.py'))
    torch.manual_seed(0)
    pstl = MODELS.build(cfg.model)
    pstl.init_weights()
    path = tmp_path / 'epoch_150.pth'
    torch.save(dict(state_dict=pstl.state_dict()), path)

    (theirs, ) = glob.glob(osp.join(
        osp.dirname(mmaction.__file__), '.mim', 'configs', 'skeleton',
        'stgcnpp', 'stgcnpp_8xb16-joint-u100-80e_ntu60-xsub-keypoint-3d.py'))
    recognizer = Config.fromfile(theirs)
    recognizer.model.backbone.init_cfg = dict(
        type='Pretrained', checkpoint=str(path), prefix='backbone.')
    model = MODELS.build(recognizer.model)
    assert type(model.backbone).__name__ == 'STGCN'
    state = _load_checkpoint_with_prefix('backbone.', str(path))
    result = model.backbone.load_state_dict(state, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    torch.nn.init.zeros_(model.backbone.data_bn.weight)
    model.init_weights()
    theirs_state = model.backbone.state_dict()
    ours = pstl.backbone.state_dict()
    assert set(theirs_state) == set(ours)
    for key, value in ours.items():
        assert torch.equal(theirs_state[key], value), key
    # The same features: MMAction2's STGCN and the pretrained encoder.
    model.eval(), pstl.backbone.eval()
    x = torch.randn(2, 2, 16, 25, 3)
    with torch.no_grad():
        assert torch.equal(model.backbone(x), pstl.backbone(x))
