# Copyright (c) OpenMMLab. All rights reserved.
import torch
from mmengine.config import Config
from mmengine.runner import Runner

import pstl_mm  # noqa: F401
from pstl_mm.engine.train_command import merge_args, parse_args

from mmaction.registry import RUNNERS


def main():
    args = parse_args()

    cfg = Config.fromfile(args.config)

    # merge cli arguments to config
    cfg = merge_args(cfg, args)

    # build the runner from config
    if 'runner_type' not in cfg:
        # build the default runner
        runner = Runner.from_cfg(cfg)
    else:
        # build customized runner from the registry
        # if 'runner_type' is set in the cfg
        runner = RUNNERS.build(cfg)

    # start training
    runner.train()
    # Close the process group before exit: gloo's threads aborted some
    # CPU runs at interpreter shutdown otherwise.
    if torch.distributed.is_available() and \
            torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()


if __name__ == '__main__':
    main()
