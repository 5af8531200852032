# PSTL pretraining, bone stream (computed from the joints by the dataset).
_base_ = ['./pstl_ntu60_xview.py']

train_dataloader = dict(dataset=dict(stream='bone'))
