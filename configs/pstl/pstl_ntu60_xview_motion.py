# PSTL pretraining on NTU RGB+D 60 cross-view, motion stream (computed from the
# joints by the dataset):
#   python tools/train.py configs/pstl/pstl_ntu60_xview_motion.py
_base_ = ['_base_/protocols/pretrain.py', '_base_/datasets/ntu60_xview.py']

model = dict(backbone=_base_.skeleton)
train_dataloader = dict(dataset=dict(_base_.pretrain_data, stream='motion'))
