# MMAction2's own skeleton backbones as PSTL encoders, through MaskedBackbone
# (pstl_mm/models/backbones/masked_backbone.py), which gives them the encoder
# contract (joint masks, pooling over kept joints, a frozen switch) and adds
# no level to their weights: backbone.* of a pretraining loads into
# MMAction2's own RecognizerGCN with
#   backbone=dict(..., init_cfg=dict(type='Pretrained', checkpoint=CKPT,
#                                     prefix='backbone.'))
# Masks are exact for the STGCN family (STGCN, STGCN++: removed joints leave
# the graph and every BatchNorm's statistics) and approximate for AAGCN (its
# attention averages over all joints). A config puts one in place of
# MaskableSTGCN with its dataset's skeletons (the graph follows the layout;
# Kinect v1 goes to MMAction2's Graph as a dict layout):
#   model = dict(backbone=dict(_base_.stgcnpp, **_base_.skeleton))
# _delete_: none of MaskableSTGCN's keys of the protocols stays.
stgcn = dict(
    _delete_=True, type='MaskedBackbone', backbone=dict(type='STGCN'))
# STGCN++ as MMAction2's stgcnpp configs build it.
stgcnpp = dict(
    _delete_=True,
    type='MaskedBackbone',
    backbone=dict(
        type='STGCN', gcn_adaptive='init', gcn_with_res=True,
        tcn_type='mstcn'))
aagcn = dict(
    _delete_=True, type='MaskedBackbone', backbone=dict(type='AAGCN'))
# At MMAction2's width (64 base channels) the last block has 256 channels,
# as the PSTL projector and GCNHead of the protocols expect. At a width that
# fits a CPU (the NW-UCLA results): 16 base channels, 64 at the end.
small_width = dict(base_channels=16)
small_out_channels = 64
stgcnpp_small = dict(
    stgcnpp, backbone=dict(stgcnpp['backbone'], **small_width))
aagcn_small = dict(aagcn, backbone=dict(aagcn['backbone'], **small_width))
