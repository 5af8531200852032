# Linear evaluation on ntu60_xview, motion stream, from the motion pretraining.
_base_ = ['./linear_ntu60_xview.py']

model = dict(
    backbone=dict(
        init_cfg=dict(
            checkpoint='work_dirs/pstl_ntu60_xview_motion/epoch_150.pth')))
train_dataloader = dict(dataset=dict(stream='motion'))
val_dataloader = dict(dataset=dict(stream='motion'))
test_dataloader = val_dataloader
