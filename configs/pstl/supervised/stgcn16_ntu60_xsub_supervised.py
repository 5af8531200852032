# Supervised ST-GCN-16 (the PSTL encoder trained from scratch with labels) on
# NTU RGB+D 60 cross-subject: MaskableSTGCN dropped into MMAction2's
# RecognizerGCN + GCNHead.
#   python tools/train.py configs/pstl/supervised/stgcn16_ntu60_xsub_supervised.py
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/recognizer_stgcn16.py',
    '../_base_/datasets/recognition_ntu60_xsub.py'
]

max_epochs = 80
optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        eta_min=0,
        T_max=max_epochs,
        by_epoch=True,
        convert_to_iter_based=True)
]
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=3))
auto_scale_lr = dict(enable=False, base_batch_size=128)
