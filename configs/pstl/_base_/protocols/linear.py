# Linear evaluation of a pretrained encoder (the paper's protocol): the
# encoder frozen (no gradient, every BatchNorm/Dropout in eval mode), a linear
# GCNHead trained with Adam lr 0.01 on unaugmented clips. A config adds the
# data and the encoder, e.g. ../../linear/linear_ntu60_xsub.py.
_base_ = ['../default_runtime.py', './recognition.py', '../pretrained.py']

model = dict(backbone=dict(frozen=True, init_cfg=_base_.pretrained_init))
optim_wrapper = dict(optimizer=dict(lr=0.01))
# No augmentation for the linear classifier, as in the authors' protocol.
train_dataloader = dict(dataset=dict(pipeline=_base_.test_pipeline))
default_hooks = _base_.evaluation_hooks
