# PSTL as the authors' code runs it: CSM from 8 draws of the degree pool
# (3-8 joints), and every random parameter (augmentations, CSM mask, MATM's
# random frames) drawn once per batch of 128 instead of per sample.
#   python tools/train.py configs/pstl/pstl_ntu60_xsub_reference.py
_base_ = ['_base_/protocols/pretrain.py', '_base_/datasets/ntu60_xsub.py']

views = dict(_base_.views, spatial=_base_.csm_reference_view)
model = dict(backbone=_base_.skeleton)
train_dataloader = dict(dataset=dict(_base_.pretrain_data, pipeline=[
    dict(type='MultiView', share_batch=128, views=views), _base_.pack]))
