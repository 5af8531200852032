# The synthetic demo set of tools/data/make_demo_data.py: ten procedurally
# generated actions (pstl_mm/datasets/synthetic.py), NTU joints, one person.
# Its split: synthetic_xsub.py.
cls_head = dict(num_classes=10)
data = dict(ann_file='data/demo/synthetic_demo.pkl', layout='nturgb+d',
            num_person=1,
            missing_hint='Make it first: python tools/data/make_demo_data.py')
