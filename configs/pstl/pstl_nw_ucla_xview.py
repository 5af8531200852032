# PSTL pretraining on NW-UCLA, cross-view (train views 1+2), joint stream:
# Kinect v1 skeletons (20 joints, one person), as written by
#   python tools/data/convert_nw_ucla.py --src nw_ucla_all_sqe.tgz --out-dir data/nw_ucla
_base_ = ['./pstl_ntu60_xsub.py']

layout = 'kinect_v1'
augment = [
    dict(type='TemporalPadCrop', pad_ratio=6),
    dict(type='SkeletonShear', beta=1.0),
    dict(type='SkeletonRotate'),
    dict(type='SkeletonFlip', p=0.5, layout=layout),
]
model = dict(backbone=dict(layout=layout, num_person=1))
train_dataloader = dict(
    dataset=dict(
        ann_file='data/nw_ucla/nw_ucla_pstl.pkl',
        split='xview_train',
        layout=layout,
        num_person=1,
        missing_hint='Convert the NW-UCLA skeletons first: python '
        'tools/data/convert_nw_ucla.py --src NW_UCLA_TGZ --out-dir '
        'data/nw_ucla',
        pipeline=[
            dict(
                type='MultiView',
                views=dict(
                    anchor=augment,
                    spatial=augment + [
                        dict(
                            type='CentralSpatialMasking',
                            num_masked=7,
                            layout=layout)
                    ],
                    temporal=augment + [
                        dict(
                            type='MotionAttentionTemporalMasking',
                            num_attention=10,
                            num_random=10)
                    ])),
            dict(
                type='PackActionInputs',
                collect_keys=('anchor', 'spatial', 'spatial_joint_mask',
                              'temporal')),
        ]))
