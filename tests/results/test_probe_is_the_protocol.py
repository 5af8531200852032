"""The results run's linear probe is the linear protocol, computed once.

The runner trains ``GCNHead`` on a frozen encoder with the linear config;
the probe trains on that encoder's features with the settings it reads from
the same config. Given the runner's initial classifier and its seed (so the
clips come in the same order), both end at the same weights.
"""
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook

from pstl_mm.apis import build_clip_dataset, dataset_features, init_encoder
from pstl_mm.evaluation.linear_probe import probe_top1, train_linear_probe
from pstl_mm.models.backbones import MaskableSTGCN
from pstl_mm.results import probe_settings
from tests.conftest import CONFIG_DIR, build_runner, write_annotations

SEED = 5
EPOCHS = 3


class _InitialHead(Hook):
    """Keeps the classifier the runner starts training from."""

    def before_train(self, runner) -> None:
        fc = runner.model.cls_head.fc
        self.state = {k: v.detach().clone()
                      for k, v in fc.state_dict().items()}


@pytest.fixture
def linear_config(tmp_path):
    """The NW-UCLA linear config on synthetic clips (one person, 20
    joints, 10 classes), a small pretrained encoder, 3 epochs, batches of
    16 with a smaller last one."""
    ann = write_annotations(tmp_path / 'clips.pkl', 5, 3, 'kinect_v1')
    torch.manual_seed(0)
    backbone = MaskableSTGCN(hidden_channels=8, out_channels=32,
                             layout='kinect_v1', num_person=1)
    ckpt = tmp_path / 'pretrain.pth'
    torch.save(dict(state_dict={f'backbone.{k}': v
                                for k, v in backbone.state_dict().items()}),
               ckpt)
    cfg = Config.fromfile(CONFIG_DIR / 'linear' / 'linear_nw_ucla_xview.py')
    cfg.merge_from_dict({
        'work_dir': str(tmp_path / 'run'),
        'model.backbone.hidden_channels': 8,
        'model.backbone.out_channels': 32,
        'model.backbone.init_cfg.checkpoint': str(ckpt),
        'model.cls_head.in_channels': 32,
        'train_dataloader.batch_size': 16,
        'train_dataloader.num_workers': 0,
        'train_dataloader.dataset.ann_file': ann,
        'val_dataloader.num_workers': 0,
        'val_dataloader.dataset.ann_file': ann,
        'test_dataloader.num_workers': 0,
        'test_dataloader.dataset.ann_file': ann,
        'train_cfg.max_epochs': EPOCHS,
        'train_cfg.val_interval': EPOCHS + 1,
        'param_scheduler': [dict(cfg.cosine_lr, T_max=EPOCHS, end=EPOCHS)],
        'default_hooks.checkpoint.interval': EPOCHS + 1,
        'default_hooks.checkpoint.save_best': None,
        'randomness.seed': SEED,
    })
    path = tmp_path / 'linear.py'
    cfg.dump(str(path))
    return str(path), str(ckpt)


def test_probe_and_runner_end_at_the_same_classifier(linear_config,
                                                     keep_global_rngs):
    config, ckpt = linear_config
    cfg = Config.fromfile(config)
    runner = build_runner(cfg)
    initial = _InitialHead()
    runner.register_hook(initial)
    runner.train()
    head = runner.model.cls_head.fc

    settings = probe_settings(config)
    assert (settings.epochs, settings.batch_size, settings.lr) == (EPOCHS, 16,
                                                                   0.01)
    dataset = build_clip_dataset(config, split=settings.train_split)
    feats = dataset_features(init_encoder(config, ckpt), dataset)
    assert len(feats['labels']) == 50  # 16 + 16 + 16 + 2 per epoch
    probe = train_linear_probe(
        feats['features'], feats['labels'], settings.num_classes,
        epochs=settings.epochs, lr=settings.lr,
        batch_size=settings.batch_size, seed=SEED,
        init_state=initial.state)
    moved = (head.weight - initial.state['weight']).norm()
    assert moved > 1e-2  # the runner's classifier did train
    torch.testing.assert_close(probe.fc.weight, head.weight, rtol=0,
                               atol=1e-4)
    torch.testing.assert_close(probe.fc.bias, head.bias, rtol=0, atol=1e-4)
    with torch.no_grad():
        runner_scores = head(torch.as_tensor(feats['features']))
    runner_top1 = float((runner_scores.argmax(1) == torch.as_tensor(
        feats['labels'])).float().mean())
    assert probe_top1(probe, feats['features'], feats['labels']) == \
        runner_top1

    # Another seed visits the clips in another order: another classifier.
    other = train_linear_probe(
        feats['features'], feats['labels'], settings.num_classes,
        epochs=settings.epochs, lr=settings.lr,
        batch_size=settings.batch_size, seed=SEED + 1,
        init_state=initial.state)
    assert (other.fc.weight - head.weight).abs().max() > 1e-3
