"""Find transforms in a dataset's pipeline, wrappers and views included."""
from typing import Iterator


def iter_transforms(dataset) -> Iterator:
    """Every transform a dataset runs, in pipeline order.

    Looks through MMEngine's dataset wrappers (``.dataset``, ``.datasets``),
    ``Compose``-like transforms (a ``transforms`` list) and the views of
    :class:`~pstl_mm.datasets.transforms.MultiView` (its ``pipelines``).

    Args:
        dataset: A built dataset (or a built pipeline, e.g. ``Compose``).

    Yields:
        The transforms; a container transform comes before its contents.
    """

    def visit(transforms) -> Iterator:
        for transform in transforms:
            yield transform
            inner = getattr(transform, 'transforms', None)
            if isinstance(inner, list):
                yield from visit(inner)
            pipelines = getattr(transform, 'pipelines', None)
            if isinstance(pipelines, dict):
                for pipeline in pipelines.values():
                    yield from visit(getattr(pipeline, 'transforms', []))

    pending = [dataset]
    while pending:
        current = pending.pop(0)
        pipeline = getattr(current, 'pipeline', None)
        if pipeline is not None:
            yield from visit(getattr(pipeline, 'transforms', [pipeline]))
        elif isinstance(getattr(current, 'transforms', None), list):
            yield from visit(current.transforms)
        if hasattr(current, 'datasets'):
            pending.extend(current.datasets)
        elif hasattr(current, 'dataset'):
            pending.append(current.dataset)
