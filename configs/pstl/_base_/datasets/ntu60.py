# NTU RGB+D 60 as written by tools/data/convert.py ntu60 (T = 50 frames,
# 2 persons, 60 classes). Its benchmarks: ntu60_xsub.py, ntu60_xview.py.
cls_head = dict(num_classes=60)
data = dict(ann_file='data/ntu60/ntu60_pstl.pkl', layout='nturgb+d',
            missing_hint='Convert the raw NTU RGB+D 60 skeletons first: '
            'python tools/data/convert.py ntu60 --src RAW_SKELETON_DIR '
            '--out-dir data/ntu60')
