# Pretraining data: NTU RGB+D 60, cross-subject, joint stream, as written by
# tools/data/convert_ntu.py (T = 50 frames, 2 persons).
dataset_type = 'PSTLSkeletonDataset'
ann_file = 'data/ntu60/ntu60_pstl.pkl'
layout = 'nturgb+d'
missing_hint = ('Convert the raw NTU RGB+D 60 skeletons first: python '
                'tools/data/convert_ntu.py --dataset ntu60 --raw-dir '
                'RAW_SKELETON_DIR --out-dir data/ntu60')

augment = [
    dict(type='TemporalPadCrop', pad_ratio=6),
    dict(type='SkeletonShear', beta=1.0),
    dict(type='SkeletonRotate'),
    dict(type='SkeletonFlip', p=0.5, layout=layout),
]
# Views of the ablations (Tab. 2/3) and of SkeletonBT, for child configs.
csm_view = augment + [
    dict(type='CentralSpatialMasking', num_masked=9, layout=layout)
]
csm_reference_view = augment + [
    dict(type='CentralSpatialMasking', mode='reference', num_draws=8,
         layout=layout)
]
matm_view = augment + [
    dict(type='MotionAttentionTemporalMasking', num_attention=10,
         num_random=10)
]
rsm_view = augment + [
    dict(type='RandomSpatialMasking', num_masked=9, layout=layout)
]
rtm_view = augment + [dict(type='RandomTemporalMasking', num_removed=20)]

train_pipeline = [
    dict(
        type='MultiView',
        views=dict(anchor=augment, spatial=csm_view, temporal=matm_view)),
    dict(
        type='PackActionInputs',
        collect_keys=('anchor', 'spatial', 'spatial_joint_mask', 'temporal')),
]

# Workers are re-created every epoch (persistent_workers=False): each
# sample's random draws are keyed by (seed, epoch, sample index), and the
# epoch reaches fresh workers only (see SeededTransform).
train_dataloader = dict(
    batch_size=128,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file,
        split='xsub_train',
        layout=layout,
        stream='joint',
        missing_hint=missing_hint,
        pipeline=train_pipeline))
