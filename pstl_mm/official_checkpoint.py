"""Map the authors' PSTL state dicts onto this package's modules.

The authors' encoder (``module/gcn/st_gcn.py`` of their code) stores::

    A                                   (K, V, V)  graph, rebuilt here
    data_bn.*                           -> backbone.data_bn.*
    st_gcn_networks.i.gcn.conv.*        -> backbone.blocks.i.gcn_conv.*
    st_gcn_networks.i.tcn.0.*           -> backbone.blocks.i.tcn_bn_in.*
    st_gcn_networks.i.tcn.2.*           -> backbone.blocks.i.tcn_conv.*
    st_gcn_networks.i.tcn.3.*           -> backbone.blocks.i.tcn_bn_out.*
    st_gcn_networks.i.residual.0.*      -> backbone.blocks.i.res_conv.*
    st_gcn_networks.i.residual.1.*      -> backbone.blocks.i.res_bn.*
    edge_importance.i                   -> backbone.blocks.i.edge_importance

optionally under an ``encoder.`` prefix (the whole pretraining model), in
which case the Barlow Twins projector ``btwins_head.projector.*`` maps to
``neck.projector.*`` and ``btwins_head.bn.*`` (running statistics of the
loss's affine-free normalisation, which only ever uses batch statistics) is
dropped.
"""
import re
from typing import Dict, Mapping, Optional, Tuple

import torch

_ENCODER_RULES = [
    (r'^data_bn\.(.+)$', r'data_bn.\1'),
    (r'^st_gcn_networks\.(\d+)\.gcn\.conv\.(.+)$', r'blocks.\1.gcn_conv.\2'),
    (r'^st_gcn_networks\.(\d+)\.tcn\.0\.(.+)$', r'blocks.\1.tcn_bn_in.\2'),
    (r'^st_gcn_networks\.(\d+)\.tcn\.2\.(.+)$', r'blocks.\1.tcn_conv.\2'),
    (r'^st_gcn_networks\.(\d+)\.tcn\.3\.(.+)$', r'blocks.\1.tcn_bn_out.\2'),
    (r'^st_gcn_networks\.(\d+)\.residual\.0\.(.+)$', r'blocks.\1.res_conv.\2'),
    (r'^st_gcn_networks\.(\d+)\.residual\.1\.(.+)$', r'blocks.\1.res_bn.\2'),
    (r'^edge_importance\.(\d+)$', r'blocks.\1.edge_importance'),
]


class OfficialCheckpointError(ValueError):
    """The authors' state dict does not fit the target modules."""


def _rename_encoder_key(key: str) -> Optional[str]:
    for pattern, repl in _ENCODER_RULES:
        if re.match(pattern, key):
            return re.sub(pattern, repl, key)
    return None


def _check_shapes(source: str, converted: Dict[str, torch.Tensor],
                  expected: Mapping[str, torch.Tensor],
                  origin: Dict[str, str]) -> None:
    """Raise naming every missing, unexpected or mis-shaped key."""
    problems = []
    missing = sorted(set(expected) - set(converted))
    unexpected = sorted(set(converted) - set(expected))
    if missing:
        problems.append('missing keys: ' + ', '.join(missing))
    if unexpected:
        problems.append('keys with no counterpart: ' +
                        ', '.join(origin[k] for k in unexpected))
    for key in sorted(set(converted) & set(expected)):
        got, want = tuple(converted[key].shape), tuple(expected[key].shape)
        if got != want:
            problems.append(f'{origin[key]} has shape {list(got)}, expected '
                            f'{list(want)} for {key}')
    if problems:
        raise OfficialCheckpointError(f'{source}: ' + '; '.join(problems))


def convert_official_state_dict(
        official: Mapping[str, torch.Tensor],
        backbone: torch.nn.Module,
        neck: Optional[torch.nn.Module] = None,
        source: str = 'state dict') -> Dict[str, torch.Tensor]:
    """Convert an authors' state dict to MMEngine keys.

    Args:
        official (Mapping[str, Tensor]): The authors' encoder state dict
            (unprefixed), or their whole model's (``encoder.*`` and
            ``btwins_head.*``).
        backbone (nn.Module): A :class:`MaskableSTGCN` of the target
            configuration; its keys and shapes are what must match.
        neck (nn.Module, optional): The target projector; required only if
            ``official`` holds ``btwins_head.projector.*``.
        source (str): Name of the input, used in error messages.

    Returns:
        dict: ``backbone.*`` (and ``neck.*``) tensors.

    Raises:
        OfficialCheckpointError: naming every key that is missing, has no
            counterpart, or has the wrong shape, or a graph ``A`` that differs
            from the backbone's layout.
    """
    prefixed = any(k.startswith('encoder.') for k in official)
    converted: Dict[str, torch.Tensor] = {}
    origin: Dict[str, str] = {}
    expected = {
        'backbone.' + k: v
        for k, v in backbone.state_dict().items()
    }
    if neck is not None:
        expected.update(
            {'neck.' + k: v
             for k, v in neck.state_dict().items()})
    for key, value in official.items():
        name = key
        if prefixed:
            if key.startswith('btwins_head.'):
                rest = key[len('btwins_head.'):]
                if rest.startswith('bn.'):
                    continue
                if neck is None:
                    continue
                converted['neck.' + rest] = value
                origin['neck.' + rest] = key
                continue
            if not key.startswith('encoder.'):
                converted[key] = value
                origin[key] = key
                continue
            name = key[len('encoder.'):]
        if name == 'A':
            graph = backbone.A.to(value.dtype)
            if value.shape != graph.shape or not torch.allclose(
                    value, graph, atol=1e-6):
                raise OfficialCheckpointError(
                    f'{source}: {key} (shape {list(value.shape)}) is not the '
                    f'graph of layout {backbone.layout.name!r} (shape '
                    f'{list(graph.shape)})')
            continue
        new = _rename_encoder_key(name)
        target = 'backbone.' + new if new is not None else key
        converted[target] = value
        origin[target] = key
    _check_shapes(source, converted, expected, origin)
    return converted


def load_official_file(path: str) -> Tuple[Dict[str, torch.Tensor], str]:
    """Load an authors' checkpoint with ``weights_only=True``.

    Accepts a bare state dict or one nested under ``state_dict``, ``model``
    or ``encoder``.

    Returns:
        tuple: (state dict, description of where it was found).
    """
    obj = torch.load(path, map_location='cpu', weights_only=True)
    for key in ('state_dict', 'model', 'encoder'):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            return obj[key], f'{path}[{key!r}]'
    if not isinstance(obj, dict) or not all(
            isinstance(v, torch.Tensor) for v in obj.values()):
        raise OfficialCheckpointError(
            f'{path}: not a state dict (a dict of tensors), got '
            f'{type(obj).__name__}')
    return obj, path
