# SkeletonBT pretraining on NW-UCLA cross-view for 100 epochs, a checkpoint
# every 10 (the learning curve of docs/results.md):
# skeletonbt_nw_ucla_xview.py on the long schedule.
#   python tools/train.py configs/pstl/curve/skeletonbt_curve_nw_ucla_xview.py
_base_ = [
    '../_base_/protocols/pretrain.py', '../_base_/datasets/nw_ucla_xview.py',
    '../_base_/schedules/long_pretrain.py'
]

views = dict(anchor=_base_.augment, view2=_base_.augment)
model = dict(backbone=_base_.skeleton, pairs=dict(bt=('anchor', 'view2')))
train_dataloader = dict(dataset=dict(_base_.pretrain_data, pipeline=[
    dict(type='MultiView', views=views), _base_.pack]))
train_cfg = _base_.long_pretrain.train_cfg
param_scheduler = _base_.long_pretrain.param_scheduler
default_hooks = _base_.long_pretrain.default_hooks
