# Linear evaluation on NTU RGB+D 120 cross-setup (joint stream).
_base_ = ['./linear_ntu120_xsub.py']

model = dict(
    backbone=dict(
        init_cfg=dict(checkpoint='work_dirs/pstl_ntu120_xset/epoch_150.pth')))
train_dataloader = dict(dataset=dict(split='xset_train'))
val_dataloader = dict(dataset=dict(split='xset_val'))
test_dataloader = val_dataloader
