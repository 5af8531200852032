# Linear evaluation of the demo pretraining (demo_pstl_synthetic.py) on the
# synthetic set: frozen encoder, linear classifier, 30 epochs.
#   python tools/train.py configs/pstl/demo/demo_linear_synthetic.py
# With --cfg-options model.backbone.init_cfg=None the same protocol runs on a
# randomly initialised frozen encoder: the baseline that shows what
# pretraining bought (tools/demo.py runs both).
_base_ = [
    '../_base_/protocols/linear.py', '../_base_/datasets/synthetic_xsub.py'
]

max_epochs = 30
model = dict(
    backbone=dict(_base_.skeleton, **_base_.demo_pstl),
    cls_head=_base_.cls_head)
train_dataloader = dict(
    batch_size=32, num_workers=0, dataset=_base_.train_data)
val_dataloader = dict(batch_size=50, num_workers=0, dataset=_base_.val_data)
test_dataloader = val_dataloader
param_scheduler = [dict(_base_.cosine_lr, T_max=max_epochs, end=max_epochs)]
train_cfg = dict(max_epochs=max_epochs, val_interval=10)
default_hooks = dict(logger=dict(interval=10),
                     checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
