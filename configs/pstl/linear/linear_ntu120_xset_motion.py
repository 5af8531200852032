# Linear evaluation on ntu120_xset, motion stream, from the motion pretraining.
_base_ = ['./linear_ntu120_xset.py']

model = dict(
    backbone=dict(
        init_cfg=dict(
            checkpoint='work_dirs/pstl_ntu120_xset_motion/epoch_150.pth')))
train_dataloader = dict(dataset=dict(stream='motion'))
val_dataloader = dict(dataset=dict(stream='motion'))
test_dataloader = val_dataloader
