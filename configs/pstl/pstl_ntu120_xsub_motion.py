# PSTL pretraining on NTU RGB+D 120 cross-subject, motion stream (computed from
# the joints by the dataset):
#   python tools/train.py configs/pstl/pstl_ntu120_xsub_motion.py
_base_ = ['_base_/protocols/pretrain.py', '_base_/datasets/ntu120_xsub.py']

model = dict(backbone=_base_.skeleton)
train_dataloader = dict(dataset=dict(_base_.pretrain_data, stream='motion'))
