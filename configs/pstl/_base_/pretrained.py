# The pretrained encoders of the evaluation protocols (protocols/linear.py,
# finetune.py, semi1.py, semi10.py). pstl.<name> is the encoder of the
# pretraining config configs/pstl/pstl_<name>.py: the backbone.* weights of
# its last checkpoint, work_dirs/pstl_<name>/epoch_150.pth (150 epochs:
# protocols/pretrain.py; NW-UCLA: epoch_20.pth, schedules/short_pretrain.py).
# A config picks one:
#   model = dict(backbone=_base_.pstl.ntu60_xsub_bone)
pretrained_init = dict(type='Pretrained', prefix='backbone.')
pstl = {
    name:
    dict(init_cfg=dict(pretrained_init,
                       checkpoint=f'work_dirs/pstl_{name}/epoch_'
                       f'{20 if "nw_ucla" in name else 150}.pth'))
    for name in (
        'ntu60_xsub', 'ntu60_xsub_bone', 'ntu60_xsub_motion',
        'ntu60_xview', 'ntu60_xview_bone', 'ntu60_xview_motion',
        'ntu120_xsub', 'ntu120_xsub_bone', 'ntu120_xsub_motion',
        'ntu120_xset', 'ntu120_xset_bone', 'ntu120_xset_motion',
        'pku1_xsub', 'pku1_xsub_bone', 'pku1_xsub_motion',
        'pku2_xsub', 'pku2_xsub_bone', 'pku2_xsub_motion',
        'nw_ucla_xview',
        # MMAction2's own backbones (_base_/models/mmaction_backbones.py)
        'stgcnpp_ntu60_xsub', 'aagcn_ntu60_xsub', 'stgcnpp_nw_ucla_xview',
        'aagcn_nw_ucla_xview')
}
# The encoder of the demo pretraining (demo/demo_pstl_synthetic.py, 5 epochs).
demo_pstl = dict(
    init_cfg=dict(checkpoint='work_dirs/demo_pstl_synthetic/epoch_5.pth'))
