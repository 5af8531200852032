# PSTL pretraining on NTU RGB+D 60 cross-subject, joint stream:
#   python tools/train.py configs/pstl/pstl_ntu60_xsub.py
_base_ = ['_base_/protocols/pretrain.py', '_base_/datasets/ntu60_xsub.py']

model = dict(backbone=_base_.skeleton)
train_dataloader = dict(dataset=_base_.pretrain_data)
