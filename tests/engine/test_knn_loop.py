"""kNN evaluation end to end: the feature model, the metric and the loop."""
import json
import math
import os.path as osp
import pickle
import sys

import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope

from pstl_mm.apis import build_clip_dataset, extract_features, init_encoder
from pstl_mm.datasets.synthetic import make_synthetic_annotations
from pstl_mm.evaluation import knn_top1
from pstl_mm.evaluation.knn_metric import features_and_labels

from tests.conftest import REPO_ROOT, build_runner, run_command

CONFIG = REPO_ROOT / 'configs' / 'pstl' / 'knn' / 'knn_ntu60_xsub.py'
TINY = dict(type='MaskableSTGCN', hidden_channels=8, out_channels=32,
            layout='nturgb+d')


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmaction')


@pytest.fixture(scope='module')
def tiny_ann(tmp_path_factory):
    """30 synthetic clips of 20 frames: 20 to train on, 10 to test."""
    path = tmp_path_factory.mktemp('data') / 'tiny_knn.pkl'
    anns = make_synthetic_annotations(3, seed=0, num_frames=20)
    names = [a['frame_dir'] for a in anns]
    split = dict(xsub_train=names[:20], xsub_val=names[20:])
    path.write_bytes(pickle.dumps(dict(split=split, annotations=anns)))
    return str(path)


@pytest.fixture(scope='module')
def pretrained(tmp_path_factory):
    """A pretraining-like checkpoint: a tiny encoder, a neck and a head.

    The encoder tells the synthetic clips apart: He-scaled convolutions,
    BatchNorms near the identity, no biases, and the last block's output
    shifted by -1 so that the pooled features are sparse (cosine
    similarities of 0.65 to 1, nearest neighbours ahead by more than 1e-4)
    instead of one common vector.
    """
    generator = torch.Generator().manual_seed(5)
    encoder = MODELS.build(TINY)
    state = {}
    for key, value in encoder.state_dict().items():
        if value.is_floating_point():
            noise = torch.randn(value.shape, generator=generator)
            if value.dim() == 4:  # convolution weights
                value = noise * math.sqrt(2 / value[0].numel())
            elif key.endswith('running_var'):
                value = 1 + 0.1 * noise.abs()
            elif key.endswith(('running_mean', 'bias')):
                value = torch.zeros_like(value)
            else:  # BatchNorm weights, edge importance
                value = 1 + 0.1 * noise
            if key == 'blocks.9.tcn_bn_out.bias':
                value = value - 1
        state[f'backbone.{key}'] = value
    state['neck.fc.weight'] = torch.ones(4, 32)
    state['head.scale'] = torch.ones(1)
    path = tmp_path_factory.mktemp('ckpt') / 'pstl_tiny.pth'
    torch.save(dict(state_dict=state, meta=dict()), path)
    return str(path), state


def tiny_cfg(ann_file, work_dir, **overrides):
    """The kNN config at test size."""
    cfg = Config.fromfile(str(CONFIG))
    cfg.merge_from_dict({
        'work_dir': str(work_dir),
        'model.backbone.hidden_channels': 8,
        'model.backbone.out_channels': 32,
        'test_dataloader.batch_size': 8,
        'test_dataloader.num_workers': 0,
        'test_dataloader.dataset.ann_file': ann_file,
        'test_dataloader.dataset.num_classes': 10,
        'test_cfg.memory_dataloader.batch_size': 6,
        'test_cfg.memory_dataloader.num_workers': 0,
        'test_cfg.memory_dataloader.dataset.ann_file': ann_file,
        'test_cfg.memory_dataloader.dataset.num_classes': 10,
        **overrides,
    })
    return cfg


def test_config_is_the_protocol():
    cfg = Config.fromfile(str(CONFIG))
    assert cfg.model.type == 'FeatureExtractor'
    assert cfg.model.backbone.init_cfg.checkpoint == \
        'work_dirs/pstl_ntu60_xsub/epoch_150.pth'
    assert cfg.test_cfg.type == 'KNNTestLoop'
    assert cfg.test_cfg.memory_dataloader.dataset.split == 'xsub_train'
    assert cfg.test_cfg.memory_dataloader.sampler.shuffle is False
    memory_pipeline = cfg.test_cfg.memory_dataloader.dataset.pipeline
    assert [t.type for t in memory_pipeline] == [
        'PSTLFormatGCNInput', 'PackActionInputs'
    ]
    assert cfg.test_dataloader.dataset.split == 'xsub_val'
    assert cfg.test_evaluator == [
        dict(type='KNNMetric', ks=(1, 20), temperature=0.07)
    ]
    assert cfg.train_cfg is None and cfg.train_dataloader is None


def test_extractor_loads_the_encoder_of_any_checkpoint(pretrained):
    _, state = pretrained
    model = MODELS.build(dict(type='FeatureExtractor', backbone=TINY))
    # Strict: the neck and head weights are left out, nothing is missing.
    model.load_state_dict(state, strict=True)
    assert torch.equal(model.backbone.data_bn.weight,
                       state['backbone.data_bn.weight'])
    # A published encoder file: plain keys.
    plain = MODELS.build(dict(type='FeatureExtractor', backbone=TINY))
    plain.load_state_dict({
        key[len('backbone.'):]: value
        for key, value in state.items() if key.startswith('backbone.')
    })
    assert torch.equal(plain.backbone.data_bn.weight,
                       state['backbone.data_bn.weight'])
    with pytest.raises(KeyError, match='holds no weights'):
        model.load_state_dict({})
    with pytest.raises(RuntimeError, match='has no loss'):
        model(torch.zeros(1, 2, 8, 25, 3), mode='loss')


def test_metric_reads_features_and_labels():
    from mmaction.structures import ActionDataSample
    sample = ActionDataSample().set_gt_label(4)
    sample.pooled_features = torch.tensor([1.0, 2.0])
    (feats, label), = features_and_labels([sample.to_dict()])
    assert label == 4 and feats.tolist() == [1.0, 2.0]
    unlabelled = ActionDataSample()
    unlabelled.pooled_features = torch.zeros(2)
    assert features_and_labels([unlabelled])[0][1] == -1
    with pytest.raises(ValueError, match='no "pooled_features"'):
        features_and_labels([ActionDataSample().set_gt_label(1)])


def _clip_features(cfg, checkpoint):
    """Per split: the encoder's features of its clips, computed without the
    runner, and the clips' names."""
    encoder = init_encoder(dict(TINY), checkpoint)
    out = {}
    for split in ('xsub_train', 'xsub_val'):
        dataset = build_clip_dataset(cfg, split=split)
        clips = [dataset[i] for i in range(len(dataset))]
        feats = extract_features(encoder, [c['keypoint'] for c in clips])
        out[split] = (torch.from_numpy(feats), [c['frame_dir'] for c in clips])
    return out


def test_runner_scores_knn_of_the_checkpoint(tiny_ann, pretrained, tmp_path):
    """The runner's kNN accuracies are those of the checkpoint's features,
    for each k: labels chosen from the features make k=1 and k=20 differ
    for any features with a clear nearest neighbour per test clip."""
    path, state = pretrained
    sets = _clip_features(tiny_cfg(tiny_ann, tmp_path), path)
    (memory, memory_names), (test, test_names) = (sets['xsub_train'],
                                                  sets['xsub_val'])
    assert len(memory) == 20 and len(test) == 10
    # The similarities knn_top1 ranks, computed as it does.
    sims = F.normalize(test, dim=1) @ F.normalize(memory, dim=1).T
    top2 = sims.topk(2, dim=1).values
    assert (top2[:, 0] - top2[:, 1]).min() > 1e-5, \
        f'nearest neighbours not clear of the next ones: {top2.tolist()}'
    nearest = sims.argmax(dim=1)
    # The nearest memory clip of test clip 0 is the only one of class 1, the
    # other 19 are of class 0; every test clip takes the class of its
    # nearest memory clip, so k=1 is right on all of them. With k=20 and
    # temperature 1, class 0 gets 19 votes of at least exp(-1) each, more
    # than the single vote (at most exp(1)) of class 1: every test clip is
    # classified 0, right only where its nearest clip is of class 0, which
    # test clip 0's is not.
    memory_labels = (torch.arange(20) == nearest[0]).long()
    test_labels = memory_labels[nearest]
    want = {1: 1.0, 20: (test_labels == 0).sum().item() / 10}
    assert want[20] <= 0.9
    assert knn_top1(memory, memory_labels, test, test_labels, ks=(1, 20),
                    temperature=1.0) == want

    data = pickle.loads(open(tiny_ann, 'rb').read())
    labels = dict(zip(memory_names + test_names,
                      memory_labels.tolist() + test_labels.tolist()))
    for ann in data['annotations']:
        ann['label'] = labels[ann['frame_dir']]
    relabelled = tmp_path / 'relabelled.pkl'
    relabelled.write_bytes(pickle.dumps(data))
    cfg = tiny_cfg(
        str(relabelled),
        tmp_path / 'work',
        load_from=path,
        test_evaluator=[dict(type='KNNMetric', ks=(1, 20), temperature=1.0)])
    runner = build_runner(cfg)
    metrics = runner.test()
    assert metrics == {f'knn/top1_k{k}': value for k, value in want.items()}
    assert torch.equal(runner.model.backbone.data_bn.weight,
                       state['backbone.data_bn.weight'])

    report = json.loads(open(osp.join(runner.log_dir, 'knn.json')).read())
    assert report['num_memory'] == 20 and report['num_test'] == 10
    assert report['temperature'] == 1.0
    assert report['top1'] == {str(k): v for k, v in want.items()}


def test_loop_checks_its_inputs(tiny_ann, tmp_path):
    cfg = tiny_cfg(tiny_ann, tmp_path / 'a', load_from=None)
    cfg.test_evaluator = [dict(type='AccMetric')]
    with pytest.raises(ValueError, match='no KNNMetric'):
        build_runner(cfg).test()
    cfg = tiny_cfg(tiny_ann, tmp_path / 'b', load_from=None)
    cfg.test_evaluator = [dict(type='KNNMetric', ks=(1, 21))]
    with pytest.raises(ValueError, match=r'k=21 is larger than the memory '
                       r'set \(20 samples\)'):
        build_runner(cfg).test()


def test_tools_test_evaluates_a_random_encoder(tiny_ann, tmp_path):
    cfg = tiny_cfg(tiny_ann, tmp_path / 'work')
    config = tmp_path / 'knn_tiny.py'
    cfg.dump(str(config))
    code, out = run_command(
        [sys.executable, 'tools/test.py', str(config), 'none'],
        timeout=300, cwd=str(REPO_ROOT))
    assert code == 0, out
    (report, ) = (tmp_path / 'work').glob('*/knn.json')
    top1 = json.loads(report.read_text())['top1']
    assert set(top1) == {'1', '20'}
    assert all(0.0 <= value <= 1.0 for value in top1.values())
    assert f"knn/top1_k1: {top1['1']:.4f}" in out


KNN_CONFIGS = sorted((REPO_ROOT / 'configs' / 'pstl' / 'knn').glob('*.py'))


@pytest.fixture(scope='module')
def layout_pkl(tmp_path_factory):
    """Synthetic clips under every split name, per layout."""
    from tests.conftest import write_annotations
    folder = tmp_path_factory.mktemp('layouts')
    return {
        layout: write_annotations(folder / f'{layout}.pkl', 1, 3, layout)
        for layout in ('nturgb+d', 'kinect_v1')
    }


@pytest.mark.parametrize('config', KNN_CONFIGS,
                         ids=[c.name for c in KNN_CONFIGS])
def test_every_knn_config_wires_its_encoder_and_splits(config):
    name = config.stem[len('knn_'):]
    stream = name.rsplit('_', 1)[1] if name.endswith(
        ('_bone', '_motion')) else 'joint'
    benchmark = name.split('_')[-2 if stream != 'joint' else -1]
    cfg = Config.fromfile(str(config))
    pretraining = REPO_ROOT / 'configs' / 'pstl' / f'pstl_{name}.py'
    epochs = Config.fromfile(str(pretraining)).train_cfg.max_epochs
    assert cfg.model.backbone.init_cfg.checkpoint == \
        f'work_dirs/pstl_{name}/epoch_{epochs}.pth'
    loaders = dict(memory=cfg.test_cfg.memory_dataloader,
                   test=cfg.test_dataloader)
    for role, loader in loaders.items():
        ds = loader.dataset
        part = 'train' if role == 'memory' else 'val'
        assert ds.split == f'{benchmark}_{part}'
        assert ds.get('stream', 'joint') == stream
        assert ds.layout == cfg.model.backbone.layout
        assert ds.num_classes is not None  # a labelled memory set
        # The persons of the dataset, kept by the pipeline, are the
        # encoder's.
        assert ds.num_person == cfg.model.backbone.num_person
        assert ds.pipeline[0] == dict(type='PSTLFormatGCNInput')


# One per stream and per number of persons: the others differ in names only.
@pytest.mark.parametrize('name', [
    'ntu60_xsub', 'ntu120_xset_bone', 'pku2_xsub_motion', 'nw_ucla_xview'
])
def test_knn_config_extracts_features(name, layout_pkl):
    from mmaction.registry import DATASETS
    from mmengine.dataset import pseudo_collate
    cfg = Config.fromfile(
        str(REPO_ROOT / 'configs' / 'pstl' / 'knn' / f'knn_{name}.py'))
    cfg.merge_from_dict({
        'model.backbone.hidden_channels': 8,
        'model.backbone.out_channels': 32,
    })
    model = MODELS.build(cfg.model).eval()
    ann = layout_pkl[cfg.model.backbone.layout]
    for loader in (cfg.test_cfg.memory_dataloader, cfg.test_dataloader):
        dataset = DATASETS.build(dict(loader.dataset, ann_file=ann))
        batch = model.data_preprocessor(
            pseudo_collate([dataset[0], dataset[1]]), False)
        feats = model(**batch, mode='tensor')
        assert feats.shape == (2, 32) and torch.isfinite(feats).all()


def test_memory_without_labels_is_refused(tiny_ann, tmp_path, monkeypatch):
    runner = build_runner(tiny_cfg(tiny_ann, tmp_path, load_from=None))
    loop = runner.build_test_loop(runner._test_loop)
    test_step = runner.model.test_step

    def unlabelled(data_batch):
        outputs = test_step(data_batch)
        for sample in outputs[:2]:
            del sample.gt_label
        return outputs

    monkeypatch.setattr(runner.model, 'test_step', unlabelled)
    # Two unlabelled samples in each of the 4 batches of 6, 6, 6, 2.
    with pytest.raises(ValueError, match='8 of 20 samples of the memory set '
                       'have no label'):
        loop.extract_memory()
