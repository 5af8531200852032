# Partial-body evaluation of the demo linear model on the synthetic set.
#   python tools/test.py configs/pstl/demo/demo_partial_body_synthetic.py \
#       work_dirs/demo_linear_synthetic/epoch_30.pth
_base_ = [
    '../_base_/protocols/partial_body.py',
    '../_base_/datasets/synthetic_xsub.py'
]

model = dict(backbone=_base_.skeleton, cls_head=_base_.cls_head)
test_dataloader = dict(
    batch_size=50, num_workers=0, dataset=_base_.val_data)
