# Linear evaluation on pku1_xsub, motion stream, from the motion pretraining.
_base_ = ['./linear_pku1_xsub.py']

model = dict(
    backbone=dict(
        init_cfg=dict(
            checkpoint='work_dirs/pstl_pku1_xsub_motion/epoch_150.pth')))
train_dataloader = dict(dataset=dict(stream='motion'))
val_dataloader = dict(dataset=dict(stream='motion'))
test_dataloader = val_dataloader
