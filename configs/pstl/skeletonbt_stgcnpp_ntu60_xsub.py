# SkeletonBT pretraining (Barlow Twins between two plainly augmented views, no
# masks) of MMAction2's STGCN++ on NTU RGB+D 60 cross-subject, joint stream, at
# MMAction2's width (64 base channels), as skeletonbt_ntu60_xsub.py.
#   python tools/train.py configs/pstl/skeletonbt_stgcnpp_ntu60_xsub.py
_base_ = [
    '_base_/protocols/pretrain.py', '_base_/datasets/ntu60_xsub.py',
    '_base_/models/mmaction_backbones.py'
]

views = dict(anchor=_base_.augment, view2=_base_.augment)
model = dict(
    backbone=dict(_base_.stgcnpp, **_base_.skeleton),
    pairs=dict(bt=('anchor', 'view2')))
train_dataloader = dict(dataset=dict(_base_.pretrain_data, pipeline=[
    dict(type='MultiView', views=views), _base_.pack]))
