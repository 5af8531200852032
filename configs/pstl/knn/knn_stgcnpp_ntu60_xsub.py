# kNN evaluation on NTU RGB+D 60 cross-subject, joint stream of MMAction2's
# STGCN++ pretrained by configs/pstl/pstl_stgcnpp_ntu60_xsub.py.
#   python tools/test.py configs/pstl/knn/knn_stgcnpp_ntu60_xsub.py \
#       work_dirs/pstl_stgcnpp_ntu60_xsub/epoch_150.pth
_base_ = [
    '../_base_/protocols/knn.py', '../_base_/datasets/ntu60_xsub.py',
    '../_base_/models/mmaction_backbones.py'
]

model = dict(
    backbone=dict(_base_.stgcnpp, **_base_.skeleton,
                  **_base_.pstl.stgcnpp_ntu60_xsub))
test_cfg = dict(memory_dataloader=dict(dataset=_base_.train_data))
test_dataloader = dict(dataset=_base_.val_data)
