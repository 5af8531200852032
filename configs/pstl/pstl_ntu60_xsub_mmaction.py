# PSTL pretraining (NTU RGB+D 60 xsub, joint) on MMAction2's own skeletons,
# data/skeleton/ntu60_3d.pkl from MMAction2's data preparation (raw
# coordinates, clips of any length): AimCLRPreprocess first makes of every
# clip what the CrosSCLR/AimCLR scripts (tools/data/convert.py ntu60) make.
#   python tools/train.py configs/pstl/pstl_ntu60_xsub_mmaction.py
_base_ = ['_base_/protocols/pretrain.py', '_base_/datasets/ntu60_xsub.py']

model = dict(backbone=_base_.skeleton)
train_dataloader = dict(
    dataset=dict(
        _base_.pretrain_data,
        ann_file='data/skeleton/ntu60_3d.pkl',
        missing_hint=('Download ntu60_3d.pkl as MMAction2\'s '
                      'tools/data/skeleton/README.md says, into '
                      'data/skeleton/'),
        pipeline=[dict(type='AimCLRPreprocess')] +
        _base_.train_pipeline))
