# Adam lr 5e-3, weight decay 1e-5 (plain L2), batch 128, 150 epochs:
# 10-epoch linear warm-up from 0, then cosine to 0, set per epoch as the
# authors do: lr(e) = lr * e / 10 for e < 10, then
# lr * (1 + cos(pi * (e - 10) / 140)) / 2. (MMEngine's LinearLR reaches its
# end factor at ``end - 1`` and cannot start from exactly 0.)
max_epochs = 150
warmup_epochs = 10
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=5e-3, weight_decay=1e-5))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-8,
        end_factor=1.0,
        by_epoch=True,
        begin=0,
        end=warmup_epochs + 1),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - warmup_epochs,
        eta_min=0.0,
        by_epoch=True,
        begin=warmup_epochs,
        end=max_epochs),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(enable=False, base_batch_size=128)
