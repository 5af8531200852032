# Linear evaluation on NW-UCLA cross-view (train views 1+2, test view 3).
_base_ = ['./linear_ntu60_xsub.py']

layout = 'kinect_v1'
pipeline = [
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs', meta_keys=('frame_dir', )),
]
data = dict(
    ann_file='data/nw_ucla/nw_ucla_pstl.pkl',
    layout=layout,
    num_classes=10,
    num_person=1,
    pipeline=pipeline,
    missing_hint='Convert the NW-UCLA skeletons first: python '
    'tools/data/convert_nw_ucla.py --src NW_UCLA_TGZ --out-dir data/nw_ucla')
model = dict(
    backbone=dict(
        layout=layout,
        num_person=1,
        init_cfg=dict(checkpoint='work_dirs/pstl_nw_ucla_xview/epoch_150.pth')),
    cls_head=dict(num_classes=10))
train_dataloader = dict(dataset=dict(**data, split='xview_train'))
val_dataloader = dict(dataset=dict(**data, split='xview_val'))
test_dataloader = val_dataloader
