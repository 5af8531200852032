# NTU RGB+D 60 as written by tools/data/convert.py ntu60 (T = 50 frames,
# 2 persons, 60 classes). Its benchmarks: ntu60_xsub.py, ntu60_xview.py.
# The skeletons, named here only: their layout (pstl_mm/skeleton.py), which
# the dataset writes into every sample for the transforms, and the persons
# per sample. A config gives both to the encoder:
#   model = dict(backbone=_base_.skeleton)
skeleton = dict(layout='nturgb+d', num_person=2)
cls_head = dict(num_classes=60)
data = dict(
    skeleton,
    ann_file='data/ntu60/ntu60_pstl.pkl',
    missing_hint=('Convert the raw NTU RGB+D 60 skeletons first: '
                  'python tools/data/convert.py ntu60 --src RAW_SKELETON_DIR '
                  '--out-dir data/ntu60'))
