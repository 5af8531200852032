# SkeletonBT baseline on NW-UCLA cross-view: Barlow Twins between two plainly
# augmented views, no masks; the short schedule of pstl_nw_ucla_xview.py.
#   python tools/train.py configs/pstl/skeletonbt_nw_ucla_xview.py
_base_ = [
    '_base_/protocols/pretrain.py', '_base_/datasets/nw_ucla_xview.py',
    '_base_/schedules/short_pretrain.py'
]

layout = _base_.data.layout
augment = _base_.augment[:-1] + [dict(_base_.augment[-1], layout=layout)]
views = dict(anchor=augment, view2=augment)
model = dict(
    pairs=dict(bt=('anchor', 'view2')),
    backbone=dict(layout=layout, num_person=_base_.data.num_person))
train_dataloader = dict(dataset=dict(_base_.pretrain_data, pipeline=[
    dict(type='MultiView', views=views), _base_.pack]))
train_cfg = _base_.short_pretrain.train_cfg
param_scheduler = _base_.short_pretrain.param_scheduler
