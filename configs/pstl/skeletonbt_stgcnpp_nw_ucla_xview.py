# SkeletonBT pretraining (Barlow Twins between two plainly augmented views, no
# masks) of MMAction2's STGCN++ on NW-UCLA cross-view, at a width that fits a
# CPU (16 base channels instead of MMAction2's 64, so 64 channels at the end),
# as skeletonbt_nw_ucla_xview.py.
#   python tools/train.py configs/pstl/skeletonbt_stgcnpp_nw_ucla_xview.py
_base_ = [
    '_base_/protocols/pretrain.py', '_base_/datasets/nw_ucla_xview.py',
    '_base_/models/mmaction_backbones.py', '_base_/schedules/short_pretrain.py'
]

views = dict(anchor=_base_.augment, view2=_base_.augment)
model = dict(
    backbone=dict(_base_.stgcnpp_small, **_base_.skeleton),
    neck=dict(in_channels=_base_.small_out_channels),
    pairs=dict(bt=('anchor', 'view2')))
train_dataloader = dict(dataset=dict(_base_.pretrain_data, pipeline=[
    dict(type='MultiView', views=views), _base_.pack]))
train_cfg = _base_.short_pretrain.train_cfg
param_scheduler = _base_.short_pretrain.param_scheduler
