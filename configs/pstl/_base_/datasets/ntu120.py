# NTU RGB+D 120 as written by tools/data/convert.py ntu120 (T = 50 frames,
# 2 persons, 120 classes). Its benchmarks: ntu120_xsub.py, ntu120_xset.py.
cls_head = dict(num_classes=120)
data = dict(ann_file='data/ntu120/ntu120_pstl.pkl', layout='nturgb+d',
            missing_hint='Convert the raw data first: python '
            'tools/data/convert.py ntu120 --src RAW_SKELETON_DIR '
            '--out-dir data/ntu120')
