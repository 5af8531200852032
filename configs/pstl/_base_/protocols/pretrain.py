# PSTL pretraining: the model, the views and the pipeline, the dataloader
# and the schedule. A config adds the data (one of ../datasets/*_<split>.py)
# and its skeletons:
#   model = dict(backbone=_base_.skeleton)
#   train_dataloader = dict(dataset=dict(_base_.pretrain_data, stream=...))
# and an ablation its own views (e.g. views=dict(anchor=_base_.augment,
# spatial=_base_.csm_view) into train_dataloader.dataset.pipeline).
_base_ = ['../default_runtime.py']

# 16-channel ST-GCN encoder, 6144-wide projector, Barlow Twins losses between
# the anchor and every other view of the pipeline (PSTL: its CSM (spatial)
# and MATM (temporal) views) unless a config names its pairs.
model = dict(
    type='PSTL',
    backbone=dict(
        type='MaskableSTGCN',
        in_channels=3,
        hidden_channels=16,
        out_channels=256,
        dropout=0.5),
    neck=dict(
        type='BarlowTwinsProjector',
        in_channels=256,
        hidden_channels=6144,
        out_channels=6144),
    head=dict(type='BarlowTwinsHead', lambd=2e-4),
    data_preprocessor=dict(type='ViewsDataPreprocessor'))

# The views: each one augmented separately (crop, shear, rotate, flip), then
# masked. The ablations (Tab. 2/3) and SkeletonBT pick theirs from these.
# Flip and the spatial masks take the layout from the sample (the dataset's),
# the spatial masks also the joints they remove (the layout's num_masked:
# the paper's 9 of NTU's 25 joints, 7 of Kinect v1's 20).
augment = [
    dict(type='TemporalPadCrop', pad_ratio=6),
    dict(type='SkeletonShear', beta=1.0),
    dict(type='SkeletonRotate'),
    dict(type='SkeletonFlip', p=0.5),
]
csm = dict(type='CentralSpatialMasking')
matm = dict(
    type='MotionAttentionTemporalMasking', num_attention=10, num_random=10)
csm_view = augment + [csm]
csm_reference_view = augment + [
    dict(type='CentralSpatialMasking', mode='reference', num_draws=8)
]
matm_view = augment + [matm]
rsm_view = augment + [dict(type='RandomSpatialMasking')]
rtm_view = augment + [dict(type='RandomTemporalMasking', num_removed=20)]
views = dict(anchor=augment, spatial=csm_view, temporal=matm_view)
pack = dict(type='PackViews')  # whatever views and masks MultiView made
train_pipeline = [dict(type='MultiView', views=views), pack]

# Workers are re-created every epoch (persistent_workers=False): each
# sample's random draws are keyed by (seed, epoch, sample index), and the
# epoch reaches fresh workers only (see SeededTransform).
train_dataloader = dict(
    batch_size=128,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='PSTLSkeletonDataset', stream='joint', pipeline=train_pipeline))

# Adam lr 5e-3, weight decay 1e-5 (plain L2), batch 128, 150 epochs
# (fused: torch's one-kernel Adam, the same update to rounding, ~10x faster
# than the per-tensor loop on CPU for the 77 M parameters of the projector):
# 10-epoch linear warm-up from 0, then cosine to 0, set per epoch as the
# authors do: lr(e) = lr * e / 10 for e < 10, then
# lr * (1 + cos(pi * (e - 10) / 140)) / 2. (MMEngine's LinearLR reaches its
# end factor at ``end - 1`` and cannot start from exactly 0.)
max_epochs = 150
warmup_epochs = 10
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=5e-3, weight_decay=1e-5, fused=True))
# The two schedulers are named so that a config can rescale them, e.g.
#   param_scheduler = [dict(_base_.warmup_lr, end=3), ...]
warmup_lr = dict(
    type='LinearLR',
    start_factor=1e-8,
    end_factor=1.0,
    by_epoch=True,
    begin=0,
    end=warmup_epochs + 1)
cosine_lr = dict(
    type='CosineAnnealingLR',
    T_max=max_epochs - warmup_epochs,
    eta_min=0.0,
    by_epoch=True,
    begin=warmup_epochs,
    end=max_epochs)
param_scheduler = [warmup_lr, cosine_lr]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(enable=False, base_batch_size=128)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=10, save_best=None, max_keep_ckpts=3))
