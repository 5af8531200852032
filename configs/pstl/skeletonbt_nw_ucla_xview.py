# SkeletonBT baseline on NW-UCLA cross-view: Barlow Twins between two plainly
# augmented views, no masks; the short schedule of pstl_nw_ucla_xview.py.
#   python tools/train.py configs/pstl/skeletonbt_nw_ucla_xview.py
_base_ = [
    '_base_/protocols/pretrain.py', '_base_/datasets/nw_ucla_xview.py',
    '_base_/schedules/short_pretrain.py'
]

views = dict(anchor=_base_.augment, view2=_base_.augment)
model = dict(backbone=_base_.skeleton, pairs=dict(bt=('anchor', 'view2')))
train_dataloader = dict(dataset=dict(_base_.pretrain_data, pipeline=[
    dict(type='MultiView', views=views), _base_.pack]))
train_cfg = _base_.short_pretrain.train_cfg
param_scheduler = _base_.short_pretrain.param_scheduler
