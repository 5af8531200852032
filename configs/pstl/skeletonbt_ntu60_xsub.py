# SkeletonBT baseline (Tab. 1/2): Barlow Twins between two plainly augmented
# views, no masks.
_base_ = ['./pstl_ntu60_xsub.py']

model = dict(
    pairs=dict(
        _delete_=True,
        bt=('anchor', 'view2')))
train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(
            type='MultiView',
            views=dict(
                anchor={{_base_.augment}},
                view2={{_base_.augment}})),
        dict(
            type='PackActionInputs',
            collect_keys=('anchor', 'view2')),
    ]))
