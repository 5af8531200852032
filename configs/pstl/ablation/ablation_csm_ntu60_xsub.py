# Ablation (Tab. 2): SkeletonBT + CSM only.
#   python tools/train.py configs/pstl/ablation/ablation_csm_ntu60_xsub.py
_base_ = [
    '../_base_/protocols/pretrain.py', '../_base_/datasets/ntu60_xsub.py'
]

views = dict(anchor=_base_.augment, spatial=_base_.csm_view)
model = dict(backbone=_base_.skeleton)
train_dataloader = dict(dataset=dict(_base_.pretrain_data, pipeline=[
    dict(type='MultiView', views=views), _base_.pack]))
