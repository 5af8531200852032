# PSTL pretraining on PKU-MMD part II cross-subject, joint stream:
#   python tools/train.py configs/pstl/pstl_pku2_xsub.py
_base_ = ['_base_/protocols/pretrain.py', '_base_/datasets/pku2_xsub.py']

model = dict(backbone=_base_.skeleton)
train_dataloader = dict(dataset=_base_.pretrain_data)
