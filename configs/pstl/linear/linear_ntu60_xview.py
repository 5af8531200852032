# Linear evaluation on NTU RGB+D 60 cross-view (joint stream).
_base_ = ['./linear_ntu60_xsub.py']

model = dict(
    backbone=dict(
        init_cfg=dict(checkpoint='work_dirs/pstl_ntu60_xview/epoch_150.pth')))
train_dataloader = dict(dataset=dict(split='xview_train'))
val_dataloader = dict(dataset=dict(split='xview_val'))
test_dataloader = val_dataloader
