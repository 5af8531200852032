# Ablation (Tab. 2): SkeletonBT + CSM only.
_base_ = ['../pstl_ntu60_xsub.py']

model = dict(
    pairs=dict(
        _delete_=True,
        spatial=('anchor', 'spatial')))
train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(
            type='MultiView',
            views=dict(
                anchor={{_base_.augment}},
                spatial={{_base_.csm_view}})),
        dict(
            type='PackActionInputs',
            collect_keys=('anchor', 'spatial', 'spatial_joint_mask')),
    ]))
