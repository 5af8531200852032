"""The encoder's weights of a checkpoint, whatever model saved it."""


def encoder_state_dict(checkpoint: dict, path: str = 'checkpoint') -> dict:
    """The encoder's weights in a checkpoint, without the ``backbone.`` prefix.

    Works for a pretraining or recognizer checkpoint (keys ``backbone.*``)
    and for a published encoder file (plain keys).

    Args:
        checkpoint (dict): A loaded checkpoint, its weights under
            ``state_dict``.
        path (str): The file, for error messages.

    Returns:
        dict: Parameter and buffer name -> tensor.

    Raises:
        KeyError: The checkpoint holds no weights.
    """
    state = checkpoint['state_dict']
    prefixed = {
        key[len('backbone.'):]: value
        for key, value in state.items() if key.startswith('backbone.')
    }
    found = prefixed or dict(state)
    if not found:
        raise KeyError(f'{path}: the checkpoint holds no weights')
    return found
