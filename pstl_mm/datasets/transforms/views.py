"""Several separately augmented views of one sample."""
import copy
from typing import Dict, List, Sequence

from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform, Compose

from .seeded import SeededTransform


@TRANSFORMS.register_module()
class MultiView(BaseTransform):
    """Run one sub-pipeline per named view on copies of the same sample.

    Each view is augmented separately from the same sample with its own
    random draws (every seeded transform inside gets its own stream, keyed
    by the view and its position). The result keeps the sample's metadata
    and adds, per view ``name``, ``results[name]`` (the view's keypoint
    array, (M, T', V, C)) and, where the view's pipeline made them,
    ``results[name + '_joint_mask']`` ((V,) bool, True = removed) and
    ``results[name + '_kept_frames']`` ((T',) int, the frames a temporal mask
    kept). Pack them with ``PackActionInputs(collect_keys=...)``.

    Args:
        views (dict[str, list[dict]]): View name -> transform configs.
        share_batch (int): 0 (default) draws every random parameter per
            sample; the batch size draws one set per batch for every seeded
            transform inside, as the authors' code does (see
            :class:`SeededTransform`).
    """

    def __init__(self,
                 views: Dict[str, List[dict]],
                 share_batch: int = 0) -> None:
        if not views:
            raise ValueError('MultiView needs at least one view')
        self.pipelines = {}
        for v, (name, cfgs) in enumerate(views.items()):
            pipeline = Compose(cfgs)
            for position, transform in enumerate(pipeline.transforms):
                if isinstance(transform, SeededTransform):
                    transform.set_stream(v, position)
                    transform.set_share_batch(share_batch)
            self.pipelines[name] = pipeline

    @property
    def view_names(self) -> Sequence[str]:
        """The names of the views, in order."""
        return tuple(self.pipelines)

    def transform(self, results: Dict) -> Dict:
        """Make every view of ``results``."""
        out = {k: v for k, v in results.items() if k != 'keypoint'}
        for name, pipeline in self.pipelines.items():
            view = pipeline(copy.deepcopy(results))
            out[name] = view['keypoint']
            if 'joint_mask' in view:
                out[name + '_joint_mask'] = view['joint_mask']
            if 'kept_frames' in view:
                out[name + '_kept_frames'] = view['kept_frames']
        return out

    def __repr__(self) -> str:
        return f'{type(self).__name__}(views={list(self.pipelines)})'
