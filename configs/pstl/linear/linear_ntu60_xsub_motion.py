# Linear evaluation on NTU RGB+D 60 cross-subject, motion stream, from the
# motion pretraining (configs/pstl/pstl_ntu60_xsub_motion.py):
#   python tools/train.py configs/pstl/linear/linear_ntu60_xsub_motion.py
_base_ = ['../_base_/protocols/linear.py', '../_base_/datasets/ntu60_xsub.py']

model = dict(
    backbone=dict(_base_.skeleton, **_base_.pstl.ntu60_xsub_motion),
    cls_head=_base_.cls_head)
train_dataloader = dict(dataset=dict(_base_.train_data, stream='motion'))
val_dataloader = dict(dataset=dict(_base_.val_data, stream='motion'))
test_dataloader = val_dataloader
