# Linear evaluation on ntu120_xset, bone stream, from the bone pretraining.
_base_ = ['./linear_ntu120_xset.py']

model = dict(
    backbone=dict(
        init_cfg=dict(
            checkpoint='work_dirs/pstl_ntu120_xset_bone/epoch_150.pth')))
train_dataloader = dict(dataset=dict(stream='bone'))
val_dataloader = dict(dataset=dict(stream='bone'))
test_dataloader = val_dataloader
