# PSTL pretraining, motion stream (computed from the joints by the dataset).
_base_ = ['./pstl_pku2_xsub.py']

train_dataloader = dict(dataset=dict(stream='motion'))
