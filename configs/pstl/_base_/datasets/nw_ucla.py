# NW-UCLA as written by tools/data/convert.py nw_ucla: Kinect v1 skeletons
# (20 joints, one person), 10 classes. Its benchmark: nw_ucla_xview.py.
cls_head = dict(num_classes=10)
data = dict(ann_file='data/nw_ucla/nw_ucla_pstl.pkl', layout='kinect_v1',
            num_person=1,
            missing_hint='Convert the NW-UCLA skeletons first: python '
            'tools/data/convert.py nw_ucla --src NW_UCLA_TGZ --out-dir '
            'data/nw_ucla')
