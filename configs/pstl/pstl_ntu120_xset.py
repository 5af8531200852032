# PSTL pretraining on NTU RGB+D 120 cross-setup, joint stream.
_base_ = ['./pstl_ntu120_xsub.py']

train_dataloader = dict(dataset=dict(split='xset_train'))
