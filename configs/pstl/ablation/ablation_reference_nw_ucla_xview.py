# PSTL on NW-UCLA cross-view as the authors' code runs it: CSM from 8 draws
# of the degree pool, every random parameter drawn once per batch of 128
# (see ../pstl_ntu60_xsub_reference.py); the short schedule of
# ../pstl_nw_ucla_xview.py (make results-nwucla ABLATIONS=1).
#   python tools/train.py configs/pstl/ablation/ablation_reference_nw_ucla_xview.py
_base_ = [
    '../_base_/protocols/pretrain.py', '../_base_/datasets/nw_ucla_xview.py',
    '../_base_/schedules/short_pretrain.py'
]

views = dict(_base_.views, spatial=_base_.csm_reference_view)
model = dict(backbone=_base_.skeleton)
train_dataloader = dict(dataset=dict(_base_.pretrain_data, pipeline=[
    dict(type='MultiView', share_batch=128, views=views), _base_.pack]))
train_cfg = _base_.short_pretrain.train_cfg
param_scheduler = _base_.short_pretrain.param_scheduler
