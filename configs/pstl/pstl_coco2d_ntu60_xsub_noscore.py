# pstl_coco2d_ntu60_xsub.py without the keypoint score: the encoder takes
# (x, y) only, in_channels=2, and the pipeline leaves GenSkeFeat out
# (without_score); the score stays beside the keypoints, unused. CSM removes
# 6 of the 17 coco joints, MATM 10 + 10 of 50 frames, as there.
#   python tools/train.py configs/pstl/pstl_coco2d_ntu60_xsub_noscore.py
_base_ = ['_base_/protocols/pretrain.py', '_base_/datasets/ntu60_2d_xsub.py']

model = dict(backbone=dict(_base_.skeleton, in_channels=2))
train_dataloader = dict(
    dataset=dict(
        _base_.pretrain_data,
        pipeline=_base_.without_score + _base_.train_pipeline))
