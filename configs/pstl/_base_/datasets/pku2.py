# PKU-MMD part II as written by tools/data/convert.py pku_mmd2 (T = 50
# frames, 2 persons, NTU joints, 41 classes). Its benchmark: pku2_xsub.py.
# The skeletons, named here only: their layout (pstl_mm/skeleton.py), which
# the dataset writes into every sample for the transforms, and the persons
# per sample. A config gives both to the encoder:
#   model = dict(backbone=_base_.skeleton)
skeleton = dict(layout='nturgb+d', num_person=2)
cls_head = dict(num_classes=41)
data = dict(
    skeleton,
    ann_file='data/pku_mmd2/pku2_pstl.pkl',
    missing_hint=('Convert the raw data first: python '
                  'tools/data/convert.py pku_mmd2 --src PKU_MMD_V2_DIR '
                  '--out-dir data/pku_mmd2'))
