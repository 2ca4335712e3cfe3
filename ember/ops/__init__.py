"""The op library.  Importing this package registers every op and binds Tensor methods.

Each op module binds its own Tensor methods at its end; ``_methods`` binds the core
arithmetic operators.
"""

from . import (  # noqa: F401  # noqa: F401
    _methods,  # noqa: F401
    activation,
    conversion,
    creation,
    elementwise,
    indexing,
    linalg,
    math,
    padding,
    random_ops,
    reduction,
    registry,
    shape,
)
