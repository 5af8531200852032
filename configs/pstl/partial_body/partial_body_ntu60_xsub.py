# Partial-body evaluation on NTU RGB+D 60 cross-subject (the paper's Tab.4
# and Tab.5) of the linear-evaluation model linear/linear_ntu60_xsub.py:
#   python tools/test.py configs/pstl/partial_body/partial_body_ntu60_xsub.py \
#       work_dirs/linear_ntu60_xsub/epoch_150.pth
# Both tables are printed; partial_body.json and partial_body.png are written
# to the run's log dir (work_dirs/partial_body_ntu60_xsub/<timestamp>/).
_base_ = [
    '../_base_/protocols/partial_body.py', '../_base_/datasets/ntu60_xsub.py'
]

model = dict(backbone=_base_.skeleton, cls_head=_base_.cls_head)
test_dataloader = dict(dataset=_base_.val_data)
