_base_ = 'mmaction::_base_/default_runtime.py'

custom_imports = dict(imports=['pstl_mm'], allow_failed_imports=False)

# mmengine's Runner, with the fixes that let a CUDA config run on a CPU-only
# machine and with num_workers=0 (see pstl_mm.engine.PortableRunner); the
# tools build it with RUNNERS.build(cfg).
runner_type = 'PortableRunner'

# Seed 1 as the authors'; every random transform derives its generator
# from it (see pstl_mm.datasets.transforms.SeededTransform), the same on
# every rank, so augmentations do not depend on the number of GPUs.
randomness = dict(seed=1, diff_rank_seed=False, deterministic=False)

# Freed tensor memory stays on the heap for the next step's tensors, so
# steps cost no page faults and the resident peak stays flat (see
# pstl_mm.engine.hooks.HeapTrimHook); a
# resumed run continues with the random states the interrupted one had
# (RandomStateHook).
custom_hooks = [dict(type='HeapTrimHook'), dict(type='RandomStateHook')]
