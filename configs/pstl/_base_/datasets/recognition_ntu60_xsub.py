# Recognition data: NTU RGB+D 60 cross-subject, joint stream, as written by
# tools/data/convert_ntu.py (T = 50 frames, 2 persons).
dataset_type = 'PSTLSkeletonDataset'
ann_file = 'data/ntu60/ntu60_pstl.pkl'
layout = 'nturgb+d'
num_classes = 60
missing_hint = ('Convert the raw NTU RGB+D 60 skeletons first: python '
                'tools/data/convert_ntu.py --dataset ntu60 --raw-dir '
                'RAW_SKELETON_DIR --out-dir data/ntu60')

train_pipeline = [
    dict(type='TemporalPadCrop', pad_ratio=6),
    dict(type='SkeletonShear', beta=0.5),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs'),
]
# The sample names go into the results (tools/test.py --dump) so that
# tools/fuse_streams.py can check that the streams' samples line up.
test_pipeline = [
    dict(type='FormatGCNInput', num_person=2),
    dict(type='PackActionInputs', meta_keys=('frame_dir', )),
]
dataset_common = dict(
    type=dataset_type,
    ann_file=ann_file,
    layout=layout,
    num_classes=num_classes,
    stream='joint',
    missing_hint=missing_hint)
train_dataloader = dict(
    batch_size=128,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        **dataset_common, split='xsub_train', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=128,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        **dataset_common,
        split='xsub_val',
        pipeline=test_pipeline,
        test_mode=True))
test_dataloader = val_dataloader
val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator
