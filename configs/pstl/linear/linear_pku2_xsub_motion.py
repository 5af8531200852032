# Linear evaluation on pku2_xsub, motion stream, from the motion pretraining.
_base_ = ['./linear_pku2_xsub.py']

model = dict(
    backbone=dict(
        init_cfg=dict(
            checkpoint='work_dirs/pstl_pku2_xsub_motion/epoch_150.pth')))
train_dataloader = dict(dataset=dict(stream='motion'))
val_dataloader = dict(dataset=dict(stream='motion'))
test_dataloader = val_dataloader
