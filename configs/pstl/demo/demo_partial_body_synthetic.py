# Partial-body evaluation of the demo linear model on the synthetic set.
#   python tools/test.py configs/pstl/demo/demo_partial_body_synthetic.py \
#       work_dirs/demo_linear_synthetic/epoch_30.pth
_base_ = ['../partial_body/partial_body_ntu60_xsub.py']

model = dict(backbone=dict(num_person=1), cls_head=dict(num_classes=10))
test_pipeline = [
    dict(type='PartialBodyOcclusion', layout='nturgb+d'),
    dict(type='FormatGCNInput', num_person=1),
    dict(
        type='PackActionInputs',
        meta_keys=('frame_dir', 'sample_idx', 'occlusion',
                   'occluded_joints', 'joint_mask')),
]
test_dataloader = dict(
    batch_size=50,
    num_workers=0,
    dataset=dict(
        ann_file='data/demo/synthetic_demo.pkl',
        num_classes=10,
        num_person=1,
        missing_hint='Make it first: python tools/data/make_demo_data.py',
        pipeline=test_pipeline))
