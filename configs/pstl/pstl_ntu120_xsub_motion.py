# PSTL pretraining, motion stream (computed from the joints by the dataset).
_base_ = ['./pstl_ntu120_xsub.py']

train_dataloader = dict(dataset=dict(stream='motion'))
