# NW-UCLA as written by tools/data/convert.py nw_ucla: Kinect v1 skeletons
# (20 joints, one person), 10 classes. Its benchmark: nw_ucla_xview.py.
# The skeletons, named here only: their layout (pstl_mm/skeleton.py), which
# the dataset writes into every sample for the transforms, and the persons
# per sample. A config gives both to the encoder:
#   model = dict(backbone=_base_.skeleton)
skeleton = dict(layout='kinect_v1', num_person=1)
cls_head = dict(num_classes=10)
data = dict(
    skeleton,
    ann_file='data/nw_ucla/nw_ucla_pstl.pkl',
    missing_hint=('Convert the NW-UCLA skeletons first: python '
                  'tools/data/convert.py nw_ucla --src NW_UCLA_TGZ --out-dir '
                  'data/nw_ucla'))
