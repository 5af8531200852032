# Ablation (Tab. 3): random spatial masking + MATM.
_base_ = ['../pstl_ntu60_xsub.py']

model = dict(
    pairs=dict(
        _delete_=True,
        spatial=('anchor', 'spatial'),
        temporal=('anchor', 'temporal')))
train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(
            type='MultiView',
            views=dict(
                anchor={{_base_.augment}},
                spatial={{_base_.rsm_view}},
                temporal={{_base_.matm_view}})),
        dict(
            type='PackActionInputs',
            collect_keys=('anchor', 'spatial', 'spatial_joint_mask',
                          'temporal')),
    ]))
