# PSTL pretraining on NTU RGB+D 60 cross-view, joint stream.
_base_ = ['./pstl_ntu60_xsub.py']

train_dataloader = dict(dataset=dict(split='xview_train'))
