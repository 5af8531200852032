# Ablation (Tab. 3): random spatial masking + MATM.
#   python tools/train.py configs/pstl/ablation/ablation_rsm_matm_ntu60_xsub.py
_base_ = [
    '../_base_/protocols/pretrain.py', '../_base_/datasets/ntu60_xsub.py'
]

views = dict(_base_.views, spatial=_base_.rsm_view, temporal=_base_.matm_view)
model = dict(backbone=_base_.skeleton)
train_dataloader = dict(dataset=dict(_base_.pretrain_data, pipeline=[
    dict(type='MultiView', views=views), _base_.pack]))
