# What the recognition protocols (linear.py, finetune.py, semi1.py,
# semi10.py, supervised.py, partial_body.py) share: MMAction2's RecognizerGCN
# with the PSTL encoder (MaskableSTGCN, 16 channels) and MMAction2's GCNHead,
# the pipelines, the dataloaders and the schedule. A protocol adds what
# differs, a config the data (one of ../datasets/*_<split>.py), e.g.
#   model = dict(backbone=_base_.skeleton, cls_head=_base_.cls_head)
#   train_dataloader = dict(dataset=_base_.train_data)
# The pipelines keep the persons the dataset gives every sample
# (PSTLFormatGCNInput: MMAction2's FormatGCNInput without a second count).
model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='MaskableSTGCN',
        in_channels=3,
        hidden_channels=16,
        out_channels=256,
        dropout=0.5),
    cls_head=dict(type='GCNHead', in_channels=256, dropout=0.0))

train_pipeline = [
    dict(type='TemporalPadCrop', pad_ratio=6),
    dict(type='SkeletonShear', beta=0.5),
    dict(type='PSTLFormatGCNInput'),
    dict(type='PackActionInputs'),
]
# The sample names go into the results (tools/test.py --dump) so that
# tools/fuse_streams.py can check that the streams' samples line up.
test_pipeline = [
    dict(type='PSTLFormatGCNInput'),
    dict(type='PackActionInputs', meta_keys=('frame_dir', )),
]
train_dataloader = dict(
    batch_size=128,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='PSTLSkeletonDataset', stream='joint', pipeline=train_pipeline))
val_dataloader = dict(
    train_dataloader,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='PSTLSkeletonDataset',
        stream='joint',
        pipeline=test_pipeline,
        test_mode=True))
test_dataloader = val_dataloader
val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator

# Adam (lr 0.005; linear.py: 0.01), no weight decay, cosine over 150 epochs,
# batch 128. Validation every 5 epochs; the last epoch's accuracy is the
# reported one, the best is logged as "best_acc/top1".
max_epochs = 150
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=0.005, weight_decay=0.0))
# Named so that a config can rescale it, e.g.
#   param_scheduler = [dict(_base_.cosine_lr, T_max=30, end=30)]
cosine_lr = dict(
    type='CosineAnnealingLR',
    T_max=max_epochs,
    eta_min=0.0,
    by_epoch=True,
    begin=0,
    end=max_epochs)
param_scheduler = [cosine_lr]
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
auto_scale_lr = dict(enable=False, base_batch_size=128)
# The checkpoint hook of the evaluations of a pretrained encoder.
evaluation_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=10, save_best='acc/top1', max_keep_ckpts=2))
