"""ember.linalg: linear algebra (torch.linalg); the implementation is in ``_core``."""

from ._core import *  # noqa: F403
from ._core import (  # noqa: F401
    CholeskyInverse,
    CholeskySolve,
    Geqrf,
    LUFactor,
    __all__,  # noqa: F401
    _check_square,
    _lowp_kernel,
    _rt,
    _vander,
    cholesky_inverse,
    cholesky_solve,
    geqrf,
    lu_unpack,
    ormqr,
    triangular_solve,
)
