# PSTL as the authors' code runs it: CSM from 8 draws of the degree pool
# (3-8 joints), and every random parameter (augmentations, CSM mask, MATM's
# random frames) drawn once per batch of 128 instead of per sample.
_base_ = ['./pstl_ntu60_xsub.py']

train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(
            type='MultiView',
            share_batch=128,
            views=dict(
                anchor={{_base_.augment}},
                spatial={{_base_.csm_reference_view}},
                temporal={{_base_.matm_view}})),
        dict(
            type='PackActionInputs',
            collect_keys=('anchor', 'spatial', 'spatial_joint_mask',
                          'temporal')),
    ]))
