# PSTL pretraining on NTU RGB+D 120 cross-setup, joint stream:
#   python tools/train.py configs/pstl/pstl_ntu120_xset.py
_base_ = ['_base_/protocols/pretrain.py', '_base_/datasets/ntu120_xset.py']

model = dict(backbone=_base_.skeleton)
train_dataloader = dict(dataset=_base_.pretrain_data)
