"""ember.linalg: linear algebra (torch.linalg), plus the legacy solvers behind torch's
top-level names (``cholesky_solve``, ``triangular_solve``, ``lu``, ``geqrf``...).

Every backward is written with ember ops (matmul, triangular solves, the decompositions
themselves) so double backward works; complex inputs follow torch's conjugate-Wirtinger
convention (the formulas use ``mH``).

NOTE [LAPACK conventions without LAPACK's routines]
NumPy exposes LAPACK's gesv/getri/potrf/geqrf/gesdd/syevd/geev but not getrf, trsm,
sytrf or their solvers, and scipy is not a dependency.  Those are written here on NumPy
arrays so that results equal torch's where LAPACK's conventions fix them:
``_getrf`` (partial pivoting, first entry of largest |re|+|im|, 1-based int32 pivots,
info = first exactly-zero pivot), ``_trsm`` (blocked substitution: a zero diagonal gives
inf/nan instead of an exception), ``_sytf2``/``_sytrs`` (Bunch-Kaufman with uplo='L',
negative pivots for 2x2 blocks).  geev's eigenvalue order and eigenvector phases, and
gelsy's basic solution, differ between LAPACK builds (MKL, OpenBLAS), so eig is compared
through invariants and rank-deficient lstsq returns the minimum-norm solution.

The package splits the implementation by family: ``_common`` (checks, constants, named
results), ``_core`` (inv/det/solve/cholesky/qr/svd/eigh/pinv/norms), ``_triangular``,
``_lu``, ``_lstsq``, ``_eig``, ``_matfuncs`` (cond, matrix_exp, tensorinv/tensorsolve,
vander, solve_ex), ``_householder`` and ``_ldl``; this module re-exports their names.
"""

from ..ops.linalg import matmul  # noqa: F401
from ._common import (  # noqa: F401
    LinAlgError,
    _check_square,
    _lowp_kernel,
    _rt,
)
from ._core import (  # noqa: F401
    QR,
    SVD,
    Cholesky,
    Det,
    Eigh,
    Inv,
    SlogDet,
    Solve,
    cholesky,
    cholesky_ex,
    cross,
    det,
    diagonal,
    eigh,
    eigvalsh,
    inv,
    inv_ex,
    matrix_norm,
    matrix_power,
    matrix_rank,
    multi_dot,
    norm,
    pinv,
    qr,
    slogdet,
    solve,
    svd,
    svdvals,
    vecdot,
    vector_norm,
)
from ._eig import (  # noqa: F401
    Eig,
    eig,
    eigvals,
)
from ._householder import (  # noqa: F401
    Geqrf,
    geqrf,
    householder_product,
    ormqr,
)
from ._ldl import (  # noqa: F401
    ldl_factor,
    ldl_factor_ex,
    ldl_solve,
)
from ._lstsq import (  # noqa: F401
    Lstsq,
    lstsq,
)
from ._lu import (  # noqa: F401
    LUFactor,
    lu,
    lu_factor,
    lu_factor_ex,
    lu_solve,
    lu_unpack,
)
from ._matfuncs import (  # noqa: F401
    MatrixExp,
    _vander,
    cond,
    matrix_exp,
    solve_ex,
    tensorinv,
    tensorsolve,
    vander,
)
from ._triangular import (  # noqa: F401
    CholeskyInverse,
    CholeskySolve,
    SolveTriangular,
    cholesky_inverse,
    cholesky_solve,
    solve_triangular,
    triangular_solve,
)

__all__ = [
    "LinAlgError", "norm", "vector_norm", "matrix_norm", "inv", "inv_ex", "det", "slogdet",
    "solve", "cholesky", "cholesky_ex", "qr", "svd", "svdvals", "eigh", "eigvalsh", "pinv",
    "matrix_rank", "matrix_power", "cross", "vecdot", "multi_dot", "matmul", "diagonal",
    "solve_triangular", "lu_factor", "lu_factor_ex", "lu", "lu_solve", "lstsq", "eig",
    "eigvals", "cond", "matrix_exp", "tensorinv", "tensorsolve", "vander", "solve_ex",
    "householder_product", "ldl_factor", "ldl_factor_ex", "ldl_solve",
]
