# PSTL pretraining (NTU RGB+D 60 xsub, joint) on MMAction2's 2-D skeletons,
# data/skeleton/ntu60_2d.pkl: 17 coco joints, input (x, y, score), so the
# encoder (MaskableSTGCN on the coco graph) takes in_channels=3. The views
# are PSTL's: CSM removes 6 of the 17 joints (coco's num_masked, the paper's
# 9 of 25 in proportion); MATM is unchanged, 10 frames by attention (on the
# motion of (x, y)) and 10 at random of 50. Without the score channel:
# pstl_coco2d_ntu60_xsub_noscore.py (in_channels=2, without_score).
#   python tools/train.py configs/pstl/pstl_coco2d_ntu60_xsub.py
_base_ = ['_base_/protocols/pretrain.py', '_base_/datasets/ntu60_2d_xsub.py']

model = dict(backbone=dict(_base_.skeleton, in_channels=3))
train_dataloader = dict(
    dataset=dict(
        _base_.pretrain_data,
        pipeline=_base_.with_score + _base_.train_pipeline))
