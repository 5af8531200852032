# The synthetic demo set of tools/data/make_demo_data.py: ten procedurally
# generated actions (pstl_mm/datasets/synthetic.py), NTU joints, one person.
# Its split: synthetic_xsub.py.
# The skeletons, named here only: their layout (pstl_mm/skeleton.py), which
# the dataset writes into every sample for the transforms, and the persons
# per sample. A config gives both to the encoder:
#   model = dict(backbone=_base_.skeleton)
skeleton = dict(layout='nturgb+d', num_person=1)
cls_head = dict(num_classes=10)
data = dict(
    skeleton,
    ann_file='data/demo/synthetic_demo.pkl',
    missing_hint=('Make it first: python tools/data/make_demo_data.py'))
