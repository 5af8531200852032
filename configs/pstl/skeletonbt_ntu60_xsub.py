# SkeletonBT baseline (Tab. 1/2): Barlow Twins between two plainly augmented
# views, no masks.
#   python tools/train.py configs/pstl/skeletonbt_ntu60_xsub.py
_base_ = ['_base_/protocols/pretrain.py', '_base_/datasets/ntu60_xsub.py']

views = dict(anchor=_base_.augment, view2=_base_.augment)
model = dict(backbone=_base_.skeleton, pairs=dict(bt=('anchor', 'view2')))
train_dataloader = dict(dataset=dict(_base_.pretrain_data, pipeline=[
    dict(type='MultiView', views=views), _base_.pack]))
