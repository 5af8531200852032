# Ablation (Tab. 2): SkeletonBT + MATM only.
_base_ = ['../pstl_ntu60_xsub.py']

model = dict(
    pairs=dict(
        _delete_=True,
        temporal=('anchor', 'temporal')))
train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(
            type='MultiView',
            views=dict(
                anchor={{_base_.augment}},
                temporal={{_base_.matm_view}})),
        dict(
            type='PackActionInputs',
            collect_keys=('anchor', 'temporal')),
    ]))
