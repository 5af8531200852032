# Ablation on NW-UCLA cross-view: SkeletonBT + MATM only, the short schedule of
# ../pstl_nw_ucla_xview.py (make results-nwucla ABLATIONS=1).
#   python tools/train.py configs/pstl/ablation/ablation_matm_nw_ucla_xview.py
_base_ = [
    '../_base_/protocols/pretrain.py', '../_base_/datasets/nw_ucla_xview.py',
    '../_base_/schedules/short_pretrain.py'
]

views = dict(anchor=_base_.augment, temporal=_base_.matm_view)
model = dict(backbone=_base_.skeleton)
train_dataloader = dict(dataset=dict(_base_.pretrain_data, pipeline=[
    dict(type='MultiView', views=views), _base_.pack]))
train_cfg = _base_.short_pretrain.train_cfg
param_scheduler = _base_.short_pretrain.param_scheduler
