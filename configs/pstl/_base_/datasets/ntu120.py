# NTU RGB+D 120 as written by tools/data/convert.py ntu120 (T = 50 frames,
# 2 persons, 120 classes). Its benchmarks: ntu120_xsub.py, ntu120_xset.py.
# The skeletons, named here only: their layout (pstl_mm/skeleton.py), which
# the dataset writes into every sample for the transforms, and the persons
# per sample. A config gives both to the encoder:
#   model = dict(backbone=_base_.skeleton)
skeleton = dict(layout='nturgb+d', num_person=2)
cls_head = dict(num_classes=120)
data = dict(
    skeleton,
    ann_file='data/ntu120/ntu120_pstl.pkl',
    missing_hint=('Convert the raw data first: python '
                  'tools/data/convert.py ntu120 --src RAW_SKELETON_DIR '
                  '--out-dir data/ntu120'))
