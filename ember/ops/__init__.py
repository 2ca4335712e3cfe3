"""The op library.  Importing this package registers every op and binds Tensor methods.

Each op module binds its own Tensor methods at its end; ``_methods`` binds the core
arithmetic operators.
"""

from . import (  # noqa: F401
    _methods,
    activation,
    attention,
    complex_ops,
    conv,
    conversion,
    creation,
    distance,
    dropout,
    elementwise,
    fft_ops,
    indexing,
    linalg,
    loss,
    math,
    nn_linear,
    norm,
    padding,
    pooling,
    random_ops,
    reduction,
    registry,
    rnn,
    shape,
    sparse,
    special,
    vision,
)
