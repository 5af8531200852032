# PKU-MMD part II as written by tools/data/convert.py pku_mmd2 (T = 50
# frames, 2 persons, NTU joints, 41 classes). Its benchmark: pku2_xsub.py.
cls_head = dict(num_classes=41)
data = dict(ann_file='data/pku_mmd2/pku2_pstl.pkl', layout='nturgb+d',
            missing_hint='Convert the raw data first: python '
            'tools/data/convert.py pku_mmd2 --src PKU_MMD_V2_DIR '
            '--out-dir data/pku_mmd2')
