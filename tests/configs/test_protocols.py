"""Every evaluation protocol config builds and trains on fixture data."""
import glob
import json
import os.path as osp
import re

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from tests.conftest import REPO_ROOT, build_runner, write_annotations

CONFIG_DIR = REPO_ROOT / 'configs' / 'pstl'
#: MMAction2's own backbones (test_mmaction_backbones.py) left out.
PROTOCOLS = sorted(
    p for pattern in ('linear_*.py', 'finetune_*.py', 'semi1_*.py',
                      'semi5_*.py', 'semi10_*.py', 'stgcn16_*.py')
    for p in glob.glob(str(CONFIG_DIR / '**' / pattern), recursive=True)
    if not re.search(r'_(stgcnpp|aagcn)_', osp.basename(p)))
NUM_CLASSES = {
    'ntu60': 60,
    'ntu120': 120,
    'pku1': 51,
    'pku2': 41,
    'nw_ucla': 10
}
NAME = re.compile(r'^(linear|finetune|semi1|semi5|semi10|stgcn16)_'
                  r'(ntu60|ntu120|pku1|pku2|nw_ucla)_(xsub|xview|xset)'
                  r'(?:_(bone|motion|supervised))?$')


def config_path(name):
    """The config file ``name``.py, in whichever folder it is."""
    (path, ) = CONFIG_DIR.rglob(f'{name}.py')
    return str(path)


@pytest.fixture(scope='module')
def fixture_pkl(tmp_path_factory):
    """Synthetic clips under every split name, per layout."""
    folder = tmp_path_factory.mktemp('data')
    return {
        layout: write_annotations(folder / f'{layout}.pkl', 3, 7, layout)
        for layout in ('nturgb+d', 'kinect_v1')
    }


@pytest.fixture(scope='module')
def pretrained(tmp_path_factory):
    """Per layout: a checkpoint of the small backbone used below, its state."""
    from pstl_mm.models.backbones import MaskableSTGCN
    torch.manual_seed(0)
    out = {}
    for layout in ('nturgb+d', 'kinect_v1'):
        backbone = MaskableSTGCN(
            hidden_channels=8, out_channels=32, layout=layout)
        path = tmp_path_factory.mktemp('ckpt') / 'pretrain.pth'
        torch.save(
            dict(state_dict={
                'backbone.' + k: v
                for k, v in backbone.state_dict().items()
            }), path)
        out[layout] = (str(path), backbone.state_dict())
    return out


def small(cfg, ann_file, ckpt, work_dir):
    cfg.merge_from_dict({
        'work_dir': str(work_dir),
        'model.backbone.hidden_channels': 8,
        'model.backbone.out_channels': 32,
        'model.cls_head.in_channels': 32,
        'train_dataloader.batch_size': 15,
        'train_dataloader.num_workers': 0,
        'train_dataloader.dataset.ann_file': ann_file,
        'val_dataloader.batch_size': 15,
        'val_dataloader.num_workers': 0,
        'val_dataloader.dataset.ann_file': ann_file,
        'test_dataloader.dataset.ann_file': ann_file,
        'default_hooks.logger.interval': 1,
        'train_cfg.max_epochs': 1,
        'train_cfg.val_interval': 1,
    })
    if cfg.model.backbone.get('init_cfg'):
        cfg.model.backbone.init_cfg.checkpoint = ckpt
    return cfg


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmaction')


@pytest.mark.parametrize('config', PROTOCOLS,
                         ids=[osp.basename(c) for c in PROTOCOLS])
def test_protocol_config_builds_and_trains_two_steps(config, fixture_pkl,
                                                     pretrained, tmp_path):
    from mmaction.registry import DATASETS, MODELS
    from mmengine.dataset import pseudo_collate
    from mmengine.optim import build_optim_wrapper
    cfg = Config.fromfile(config)
    name = osp.basename(config)[:-3]
    protocol, dataset, benchmark, variant = NAME.match(name).groups()
    stream = variant if variant in ('bone', 'motion') else 'joint'
    assert cfg.model.cls_head.num_classes == NUM_CLASSES[dataset]
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        ds = cfg[loader].dataset
        assert ds.num_classes == NUM_CLASSES[dataset]
        assert ds.split.split('_')[0] == benchmark
        assert ds.get('stream', 'joint') == stream
        assert ds.get('layout') == cfg.model.backbone.layout
    if name.startswith(('linear', 'finetune', 'semi')):
        ckpt = cfg.model.backbone.init_cfg.checkpoint
        pretraining = f'pstl_{name.split("_", 1)[1]}'
        epochs = Config.fromfile(
            str(CONFIG_DIR / f'{pretraining}.py')).train_cfg.max_epochs
        assert ckpt == f'work_dirs/{pretraining}/epoch_{epochs}.pth'
        assert cfg.model.backbone.get('frozen', False) == \
            name.startswith('linear')
    if name.startswith('semi'):
        fraction = cfg.train_dataloader.dataset.label_fraction
        assert fraction == {'semi1': 0.01, 'semi5': 0.05,
                            'semi10': 0.1}[protocol]

    layout = cfg.model.backbone.layout
    cfg = small(cfg, fixture_pkl[layout], pretrained[layout][0], tmp_path)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    model = MODELS.build(cfg.model)
    model.init_weights()
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    model.train()
    for step in range(2):
        batch = pseudo_collate(
            [dataset[(5 * step + i) % len(dataset)] for i in range(5)])
        losses = model.train_step(batch, optim)
        assert np.isfinite(losses['loss'].item())


@pytest.mark.parametrize('name', [
    'linear_ntu60_xsub', 'finetune_ntu120_xset_bone', 'semi1_pku1_xsub',
    'stgcn16_ntu60_xsub_supervised'
])
def test_protocol_trains_two_iterations(name, fixture_pkl, pretrained,
                                        tmp_path):
    ckpt, state = pretrained['nturgb+d']
    cfg = small(
        Config.fromfile(config_path(name)), fixture_pkl['nturgb+d'], ckpt,
        tmp_path)
    if name.startswith('semi'):
        cfg.train_dataloader.batch_size = 5
    runner = build_runner(cfg)
    runner.train()
    losses = runner.message_hub.get_scalar('train/loss_cls').data[0]
    assert len(losses) == 2 and np.isfinite(losses).all()
    backbone = runner.model.backbone
    if name.startswith(('linear', 'finetune', 'semi')):
        changed = [
            not torch.equal(state[k], v)
            for k, v in backbone.state_dict().items()
        ]
        # linear: the pretrained encoder, untouched; finetune: trained
        assert any(changed) != name.startswith('linear')
    if name.startswith('semi'):
        record = json.load(open(tmp_path / 'labelled_subset.json'))
        assert record['num_samples'] == 10  # one per class of 3
        assert record['label_fraction'] == 0.01


def test_frozen_backbone_unchanged_by_a_linear_epoch(fixture_pkl, pretrained,
                                                     tmp_path):
    ckpt, state = pretrained['nturgb+d']
    cfg = small(
        Config.fromfile(config_path('linear_ntu60_xsub')),
        fixture_pkl['nturgb+d'], ckpt, tmp_path)
    runner = build_runner(cfg)
    from mmengine.hooks import Hook

    class KeepHead(Hook):

        def before_train(self, runner):
            self.head = runner.model.cls_head.fc.weight.detach().clone()

    keep = KeepHead()
    runner.register_hook(keep)
    runner.train()
    backbone = runner.model.backbone
    for key, value in backbone.state_dict().items():
        assert torch.equal(state[key], value), key  # BN statistics too
    assert not any(p.requires_grad for p in backbone.parameters())
    assert not any(m.training for m in backbone.modules())
    # the classifier trained
    assert not torch.equal(keep.head, runner.model.cls_head.fc.weight)
