# PKU-MMD part I as written by tools/data/convert.py pku_mmd1 (T = 50
# frames, 2 persons, NTU joints, 51 classes). Its benchmark: pku1_xsub.py.
cls_head = dict(num_classes=51)
data = dict(ann_file='data/pku_mmd1/pku1_pstl.pkl', layout='nturgb+d',
            missing_hint='Convert the raw data first: python '
            'tools/data/convert.py pku_mmd1 --src PKU_MMD_DIR '
            '--out-dir data/pku_mmd1')
