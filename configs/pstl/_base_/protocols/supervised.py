# Supervised training of the PSTL encoder from scratch with labels
# (ST-GCN-16): SGD lr 0.1 with Nesterov momentum, weight decay 5e-4, cosine
# per iteration over 80 epochs. A config adds the data, e.g.
# ../../supervised/stgcn16_ntu60_xsub_supervised.py.
_base_ = ['../default_runtime.py', './recognition.py']

max_epochs = 80
optim_wrapper = dict(
    _delete_=True,
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
train_cfg = dict(max_epochs=max_epochs)
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=3))
