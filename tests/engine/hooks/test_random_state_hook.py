"""RandomStateHook's states survive a weights-only checkpoint."""
import io
import random

import numpy as np
import torch

from pstl_mm.engine.hooks.random_state_hook import (capture_random_states,
                                                    restore_random_states)


def test_states_round_trip_through_a_weights_only_checkpoint():
    random.seed(3)
    np.random.seed(3)
    torch.manual_seed(3)
    np.random.randn()  # a buffered Gaussian is part of numpy's state
    buffer = io.BytesIO()
    torch.save(capture_random_states(), buffer)
    expected = (random.random(), np.random.randn(3).tolist(),
                torch.rand(3).tolist())
    buffer.seek(0)
    states = torch.load(buffer, weights_only=True)
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    restore_random_states(states)
    again = (random.random(), np.random.randn(3).tolist(),
             torch.rand(3).tolist())
    assert again == expected
