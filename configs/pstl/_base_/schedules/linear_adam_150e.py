# Linear evaluation: frozen encoder + linear classifier, Adam lr 0.01, no
# weight decay, cosine over 150 epochs, batch 128. Validation every 5 epochs;
# the last epoch's accuracy is the reported one, the best is logged as
# "best_acc/top1".
max_epochs = 150
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=0.01, weight_decay=0.0))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min=0.0,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
auto_scale_lr = dict(enable=False, base_batch_size=128)
