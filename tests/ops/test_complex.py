"""Complex dtypes probed against torch: each case is a function ``fn(lib)`` run with
``lib=ember`` and ``lib=torch`` on the same inputs.

Contract per case: torch raises -> ember raises the same exception type; otherwise the
same structure, dtypes, shapes and values (complex64 rtol 1e-5, complex128 1e-10), and
Python bools / strings / dtypes equal.  Gradient cases return ``.grad`` tensors, so the
conjugate Wirtinger convention is checked value by value.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import ember

CDT = {"complex64": (ember.complex64, torch.complex64), "complex128": (ember.complex128,
                                                                       torch.complex128)}
RDT = {"complex64": np.float32, "complex128": np.float64}


def _arr(shape, seed, cd):
    r = np.random.RandomState(seed)
    a = r.uniform(-2, 2, shape) + 1j * r.uniform(-2, 2, shape)
    return a.astype(np.complex64 if cd == "complex64" else np.complex128)


def _t(lib, a, grad=False):
    t = lib.tensor(a)
    if grad:
        t.requires_grad_(True)
    return t


def _edt(lib, name):
    return getattr(lib, name)


CASES = {}


def case(name):
    def deco(fn):
        CASES[name] = fn
        return fn
    return deco


# --- creation ------------------------------------------------------------------------
case("tensor_pycomplex")(lambda lib, cd: lib.tensor([1 + 2j, 3 - 1j]))
case("tensor_pycomplex_dtype")(lambda lib, cd: lib.tensor([1 + 2j, 3], dtype=_edt(lib, cd)))
case("tensor_mixed_list")(lambda lib, cd: lib.tensor([1, 2.5, 3j]))
case("tensor_scalar_complex")(lambda lib, cd: lib.tensor(2 - 3j))
case("complex_fn")(lambda lib, cd: lib.complex(lib.tensor(_arr(4, 0, cd).real),
                                                lib.tensor(_arr(4, 1, cd).real)))
case("complex_fn_bcast")(lambda lib, cd: lib.complex(lib.tensor(_arr((2, 3), 0, cd).real),
                                                      lib.tensor(_arr(3, 1, cd).real)))
case("complex_fn_int")(lambda lib, cd: lib.complex(lib.tensor([1, 2]), lib.tensor([3, 4])))
case("complex_fn_mixed")(lambda lib, cd: lib.complex(lib.tensor([1.0]),
                                                      lib.tensor([1.0], dtype=lib.float64)))
case("polar")(lambda lib, cd: lib.polar(lib.tensor(np.abs(_arr(4, 0, cd).real)),
                                        lib.tensor(_arr(4, 1, cd).real)))
case("zeros")(lambda lib, cd: lib.zeros(2, 3, dtype=_edt(lib, cd)))
case("ones")(lambda lib, cd: lib.ones(3, dtype=_edt(lib, cd)))
case("full_complex")(lambda lib, cd: lib.full((2,), 1 + 1j))
case("zeros_like")(lambda lib, cd: lib.zeros_like(_t(lib, _arr(3, 0, cd))))
case("randn_shape_dtype")(lambda lib, cd: lib.randn(2, 3, dtype=_edt(lib, cd)).shape)
case("randn_dtype")(lambda lib, cd: lib.randn(2, 3, dtype=_edt(lib, cd)).dtype)
case("arange_complex")(lambda lib, cd: lib.arange(3, dtype=_edt(lib, cd)))
case("eye_complex")(lambda lib, cd: lib.eye(2, dtype=_edt(lib, cd)))
case("from_numpy")(lambda lib, cd: lib.from_numpy(_arr(3, 0, cd)))
case("item")(lambda lib, cd: _t(lib, _arr((), 0, cd)).item())
case("tolist")(lambda lib, cd: _t(lib, _arr(2, 0, cd)).tolist())
case("complex_builtin")(lambda lib, cd: complex(_t(lib, _arr((), 0, cd))))
case("float_builtin")(lambda lib, cd: float(_t(lib, _arr((), 0, cd))))
case("is_complex")(lambda lib, cd: _t(lib, _arr(2, 0, cd)).is_complex())
case("is_floating_point")(lambda lib, cd: _t(lib, _arr(2, 0, cd)).is_floating_point())
case("dtype_is_complex")(lambda lib, cd: _edt(lib, cd).is_complex)
case("dtype_to_real")(lambda lib, cd: str(_edt(lib, cd).to_real()).split(".")[1])
case("finfo_eps")(lambda lib, cd: lib.finfo(_edt(lib, cd)).eps)

# --- real / imag / conj -----------------------------------------------------------------
case("real")(lambda lib, cd: _t(lib, _arr((2, 3), 0, cd)).real)
case("imag")(lambda lib, cd: _t(lib, _arr((2, 3), 0, cd)).imag)
case("real_fn")(lambda lib, cd: lib.real(_t(lib, _arr((2, 3), 0, cd))))
case("imag_fn")(lambda lib, cd: lib.imag(_t(lib, _arr((2, 3), 0, cd))))
case("real_of_real")(lambda lib, cd: lib.real(lib.tensor([1.0, 2.0])))
case("imag_of_real")(lambda lib, cd: lib.imag(lib.tensor([1.0, 2.0])))


def _real_view(lib, cd):
    z = _t(lib, _arr(3, 0, cd))
    z.real[0] = 9.0
    z.imag.mul_(2)
    return z


case("real_imag_write_through")(_real_view)


def _real_set(lib, cd):
    z = _t(lib, _arr(3, 0, cd))
    z.imag = lib.zeros(3)
    return z


case("imag_setter")(_real_set)
case("conj")(lambda lib, cd: _t(lib, _arr((2, 3), 0, cd)).conj())
case("conj_fn")(lambda lib, cd: lib.conj(_t(lib, _arr((2, 3), 0, cd))))
case("conj_real")(lambda lib, cd: lib.tensor([1.0, -2.0]).conj())
case("conj_int")(lambda lib, cd: lib.tensor([1, -2]).conj())
def _conj_write(lib, cd):
    z = _t(lib, _arr(3, 0, cd))
    z.conj()[0] = 1 + 1j
    return z


case("conj_view_write_through")(_conj_write)
case("conj_shares_storage")(lambda lib, cd: (lambda z: z.conj().data_ptr() == z.data_ptr())(
    _t(lib, _arr(3, 0, cd))))
case("conj_physical")(lambda lib, cd: lib.conj_physical(_t(lib, _arr((2, 3), 0, cd))))
case("conj_physical_real")(lambda lib, cd: lib.conj_physical(lib.tensor([1.0, -2.0])))
case("resolve_conj")(lambda lib, cd: _t(lib, _arr(3, 0, cd)).conj().resolve_conj())
case("resolve_neg")(lambda lib, cd: _t(lib, _arr(3, 0, cd)).resolve_neg())
case("is_conj_conj")(lambda lib, cd: _t(lib, _arr(3, 0, cd)).conj().is_conj())
case("is_conj_plain")(lambda lib, cd: _t(lib, _arr(3, 0, cd)).is_conj())
case("is_conj_resolved")(lambda lib, cd: _t(lib, _arr(3, 0, cd)).conj().resolve_conj().is_conj())
case("is_conj_real")(lambda lib, cd: lib.tensor([1.0]).conj().is_conj())
case("conj_conj")(lambda lib, cd: _t(lib, _arr(3, 0, cd)).conj().conj())
case("conj_then_mul")(lambda lib, cd: _t(lib, _arr(3, 0, cd)).conj() * _t(lib, _arr(3, 1, cd)))
case("conj_imag")(lambda lib, cd: _t(lib, _arr(3, 0, cd)).conj().imag)
case("abs")(lambda lib, cd: _t(lib, _arr((2, 3), 0, cd)).abs())
case("abs_fn")(lambda lib, cd: lib.abs(_t(lib, _arr((2, 3), 0, cd))))
case("angle")(lambda lib, cd: lib.angle(_t(lib, _arr((2, 3), 0, cd))))
case("angle_real")(lambda lib, cd: lib.angle(lib.tensor([-1.0, 0.0, 2.0])))
case("sgn")(lambda lib, cd: lib.sgn(_t(lib, _arr((2, 3), 0, cd))))
case("sign_raises")(lambda lib, cd: lib.sign(_t(lib, _arr(3, 0, cd))))
case("view_as_real")(lambda lib, cd: lib.view_as_real(_t(lib, _arr((2, 3), 0, cd))))
case("view_as_complex")(lambda lib, cd: lib.view_as_complex(
    lib.tensor(np.ascontiguousarray(_arr((2, 3), 0, cd).view(RDT[cd]).reshape(2, 3, 2)))))
case("view_as_real_roundtrip")(lambda lib, cd: lib.view_as_complex(
    lib.view_as_real(_t(lib, _arr(4, 0, cd)))))
case("view_as_real_of_real_raises")(lambda lib, cd: lib.view_as_real(lib.tensor([1.0])))
case("view_as_complex_bad_raises")(lambda lib, cd: lib.view_as_complex(lib.ones(3)))
case("view_as_real_conj_raises")(lambda lib, cd: lib.view_as_real(_t(lib, _arr(3, 0, cd)).conj()))


def _var_write(lib, cd):
    z = _t(lib, _arr(3, 0, cd))
    lib.view_as_real(z)[0, 1] = 5.0
    return z


case("view_as_real_write_through")(_var_write)

# --- arithmetic --------------------------------------------------------------------------
_BIN = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "pow_t": lambda a, b: a ** b, "neg": lambda a, b: -a,
}
for _n, _f in _BIN.items():
    case(f"{_n}_bcast")(lambda lib, cd, f=_f: f(_t(lib, _arr((2, 3), 0, cd)),
                                                _t(lib, _arr(3, 1, cd))))
    case(f"{_n}_pyscalar")(lambda lib, cd, f=_f: f(_t(lib, _arr((2, 3), 0, cd)), 1.5 - 0.5j))
    case(f"{_n}_rpyscalar")(lambda lib, cd, f=_f: f(2 + 1j, _t(lib, _arr((2, 3), 0, cd))))
    case(f"{_n}_float_tensor")(lambda lib, cd, f=_f: f(_t(lib, _arr((2, 3), 0, cd)),
                                                       lib.tensor(_arr(3, 1, cd).real)))
case("add_int_tensor")(lambda lib, cd: _t(lib, _arr(3, 0, cd)) + lib.tensor([1, 2, 3]))
case("add_float_py")(lambda lib, cd: _t(lib, _arr(3, 0, cd)) + 2.5)
case("add_int_py")(lambda lib, cd: _t(lib, _arr(3, 0, cd)) + 2)
case("add_alpha")(lambda lib, cd: lib.add(_t(lib, _arr(3, 0, cd)), _t(lib, _arr(3, 1, cd)),
                                          alpha=2))
case("sub_rsub")(lambda lib, cd: 1 - _t(lib, _arr(3, 0, cd)))
case("floordiv_raises")(lambda lib, cd: _t(lib, _arr(3, 0, cd)) // 2)
case("remainder_raises")(lambda lib, cd: _t(lib, _arr(3, 0, cd)) % 2)
case("lt_raises")(lambda lib, cd: _t(lib, _arr(3, 0, cd)) < _t(lib, _arr(3, 1, cd)))
case("max_raises")(lambda lib, cd: _t(lib, _arr(3, 0, cd)).max())
case("min_raises")(lambda lib, cd: _t(lib, _arr(3, 0, cd)).min())
case("max_dim_raises")(lambda lib, cd: _t(lib, _arr(3, 0, cd)).max(0))
case("amax_raises")(lambda lib, cd: _t(lib, _arr(3, 0, cd)).amax())
case("amin_raises")(lambda lib, cd: _t(lib, _arr(3, 0, cd)).amin())
case("aminmax_raises")(lambda lib, cd: lib.aminmax(_t(lib, _arr(3, 0, cd))))
case("clamp_raises")(lambda lib, cd: _t(lib, _arr(3, 0, cd)).clamp(0, 1))
case("addcmul")(lambda lib, cd: lib.addcmul(_t(lib, _arr(3, 0, cd)), _t(lib, _arr(3, 1, cd)),
                                            _t(lib, _arr(3, 2, cd)), value=0.5))
case("float_tensor_mul_pycomplex")(lambda lib, cd: lib.tensor([1.0, 2.0]) * 1j)
case("double_tensor_mul_pycomplex")(lambda lib, cd: lib.tensor([1.0, 2.0], dtype=lib.float64)
                                    * 1j)
case("int_tensor_mul_pycomplex")(lambda lib, cd: lib.tensor([1, 2]) * (1 + 1j))
case("half_tensor_mul_pycomplex")(lambda lib, cd: lib.tensor([1.0, 2.0], dtype=lib.float16)
                                  * 1j)
case("half_tensor_add_complex")(lambda lib, cd: lib.tensor([1.0, 2.0], dtype=lib.float16)
                                + _t(lib, _arr(2, 0, cd)))
case("double_tensor_add_complex")(lambda lib, cd: lib.tensor([1.0, 2.0], dtype=lib.float64)
                                  + _t(lib, _arr(2, 0, cd)))
case("zero_dim_complex_with_double")(lambda lib, cd: lib.tensor([1.0, 2.0], dtype=lib.float64)
                                     + _t(lib, _arr((), 0, cd)))
case("zero_dim_complex_with_float")(lambda lib, cd: lib.tensor([1.0, 2.0])
                                    + _t(lib, _arr((), 0, cd)))
case("complex_with_zero_dim_double")(lambda lib, cd: _t(lib, _arr(2, 0, cd))
                                     + lib.tensor(1.0, dtype=lib.float64))
case("promote_types_c64_f64")(lambda lib, cd: str(lib.promote_types(lib.complex64, lib.float64)))
case("promote_types_c64_f16")(lambda lib, cd: str(lib.promote_types(lib.complex64, lib.float16)))
case("promote_types_c64_bf16")(lambda lib, cd: str(lib.promote_types(lib.complex64,
                                                                     lib.bfloat16)))
case("promote_types_c128_i64")(lambda lib, cd: str(lib.promote_types(lib.complex128, lib.int64)))
case("result_type_float_pycomplex")(lambda lib, cd: str(lib.result_type(lib.tensor([1.0],
                                    dtype=lib.float64), 1j)))
case("result_type_int_pycomplex")(lambda lib, cd: str(lib.result_type(lib.tensor([1]), 1j)))
case("can_cast_c_to_f")(lambda lib, cd: lib.can_cast(_edt(lib, cd), lib.float32))
case("can_cast_f_to_c")(lambda lib, cd: lib.can_cast(lib.float64, _edt(lib, cd)))


def _inplace_add(lib, cd):
    z = _t(lib, _arr(3, 0, cd))
    z += 1j
    z.mul_(_t(lib, _arr(3, 1, cd)))
    return z


case("inplace_ops")(_inplace_add)


def _inplace_real_raises(lib, cd):
    x = lib.tensor([1.0, 2.0])
    x += _t(lib, _arr(2, 0, cd))
    return x


case("inplace_into_real_raises")(_inplace_real_raises)

# --- unary math ----------------------------------------------------------------------------
for _n in ("exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sinh", "cosh", "sigmoid",
           "reciprocal", "rsqrt", "log10", "log2", "log1p", "expm1", "square", "neg",
           "asin", "acos", "atan", "asinh", "acosh", "atanh", "exp2"):
    case(f"unary_{_n}")(lambda lib, cd, n=_n: getattr(lib, n)(_t(lib, _arr((2, 3), 0, cd))))
case("pow_scalar")(lambda lib, cd: lib.pow(_t(lib, _arr(3, 0, cd)), 2))
case("pow_scalar_frac")(lambda lib, cd: lib.pow(_t(lib, _arr(3, 0, cd)), 0.5))
case("pow_complex_exp")(lambda lib, cd: lib.pow(_t(lib, _arr(3, 0, cd)), 1 + 1j))
case("rpow")(lambda lib, cd: 2 ** _t(lib, _arr(3, 0, cd)))
case("isnan")(lambda lib, cd: lib.isnan(lib.tensor([complex("nan"), 1j], dtype=_edt(lib, cd))))
case("isinf")(lambda lib, cd: lib.isinf(lib.tensor([complex(0, float("inf")), 1j],
                                                   dtype=_edt(lib, cd))))
case("isfinite")(lambda lib, cd: lib.isfinite(lib.tensor([complex(0, float("inf")), 1j],
                                                         dtype=_edt(lib, cd))))
case("where")(lambda lib, cd: lib.where(lib.tensor([True, False, True]),
                                        _t(lib, _arr(3, 0, cd)), _t(lib, _arr(3, 1, cd))))
case("where_scalar")(lambda lib, cd: lib.where(lib.tensor([True, False]), _t(lib, _arr(2, 0, cd)),
                                               0.0))
case("relu_raises")(lambda lib, cd: lib.relu(_t(lib, _arr(3, 0, cd))))
case("floor_raises")(lambda lib, cd: lib.floor(_t(lib, _arr(3, 0, cd))))

# --- linear algebra ---------------------------------------------------------------------------
case("matmul")(lambda lib, cd: _t(lib, _arr((2, 3), 0, cd)) @ _t(lib, _arr((3, 4), 1, cd)))
case("matmul_bcast")(lambda lib, cd: lib.matmul(_t(lib, _arr((2, 2, 3), 0, cd)),
                                                _t(lib, _arr((3, 4), 1, cd))))
case("matmul_vec")(lambda lib, cd: lib.matmul(_t(lib, _arr((2, 3), 0, cd)),
                                              _t(lib, _arr(3, 1, cd))))
case("mm")(lambda lib, cd: lib.mm(_t(lib, _arr((2, 3), 0, cd)), _t(lib, _arr((3, 4), 1, cd))))
case("bmm")(lambda lib, cd: lib.bmm(_t(lib, _arr((2, 2, 3), 0, cd)),
                                    _t(lib, _arr((2, 3, 4), 1, cd))))
case("dot")(lambda lib, cd: lib.dot(_t(lib, _arr(3, 0, cd)), _t(lib, _arr(3, 1, cd))))
case("vdot")(lambda lib, cd: lib.vdot(_t(lib, _arr(3, 0, cd)), _t(lib, _arr(3, 1, cd))))
case("mv")(lambda lib, cd: lib.mv(_t(lib, _arr((2, 3), 0, cd)), _t(lib, _arr(3, 1, cd))))
case("outer")(lambda lib, cd: lib.outer(_t(lib, _arr(2, 0, cd)), _t(lib, _arr(3, 1, cd))))
case("matmul_mixed_raises")(lambda lib, cd: _t(lib, _arr((2, 3), 0, cd))
                            @ lib.ones(3, 2))
case("dot_mixed_raises")(lambda lib, cd: lib.dot(_t(lib, _arr(3, 0, cd)), lib.ones(3)))
case("mH")(lambda lib, cd: _t(lib, _arr((2, 3), 0, cd)).mH)
case("mH_batched")(lambda lib, cd: _t(lib, _arr((2, 2, 3), 0, cd)).mH)
case("mT")(lambda lib, cd: _t(lib, _arr((2, 3), 0, cd)).mT)
case("H")(lambda lib, cd: _t(lib, _arr((2, 3), 0, cd)).H)
case("adjoint")(lambda lib, cd: _t(lib, _arr((2, 3), 0, cd)).adjoint())
case("adjoint_fn")(lambda lib, cd: lib.adjoint(_t(lib, _arr((2, 3), 0, cd))))
case("mH_real")(lambda lib, cd: lib.tensor([[1.0, 2.0]]).mH)
case("transpose")(lambda lib, cd: _t(lib, _arr((2, 3), 0, cd)).t())

# --- reductions -------------------------------------------------------------------------------
for _n in ("sum", "mean", "prod", "cumsum", "cumprod"):
    case(f"red_{_n}_dim")(lambda lib, cd, n=_n: getattr(lib, n)(_t(lib, _arr((2, 3), 0, cd)),
                                                                 dim=1))
for _n in ("sum", "mean", "prod"):
    case(f"red_{_n}_all")(lambda lib, cd, n=_n: getattr(lib, n)(_t(lib, _arr((2, 3), 0, cd))))
case("sum_keepdim")(lambda lib, cd: _t(lib, _arr((2, 3), 0, cd)).sum(0, keepdim=True))
case("var")(lambda lib, cd: _t(lib, _arr((2, 3), 0, cd)).var())
case("std")(lambda lib, cd: _t(lib, _arr((2, 3), 0, cd)).std(dim=1))
case("norm")(lambda lib, cd: _t(lib, _arr((2, 3), 0, cd)).norm())
case("linalg_vector_norm")(lambda lib, cd: lib.linalg.vector_norm(_t(lib, _arr((2, 3), 0, cd))))

# --- comparison ---------------------------------------------------------------------------------
case("eq")(lambda lib, cd: _t(lib, _arr(3, 0, cd)) == _t(lib, np.array([_arr(3, 0, cd)[0], 0, 1],
                                                                        dtype=cd)))
case("ne")(lambda lib, cd: _t(lib, _arr(3, 0, cd)) != _t(lib, _arr(3, 1, cd)))
case("eq_pyscalar")(lambda lib, cd: lib.tensor([1j, 1], dtype=_edt(lib, cd)) == 1j)
case("eq_real")(lambda lib, cd: lib.tensor([1 + 0j, 1j], dtype=_edt(lib, cd))
                == lib.tensor([1.0, 0.0]))
case("isclose")(lambda lib, cd: lib.isclose(_t(lib, _arr(3, 0, cd)),
                                            _t(lib, _arr(3, 0, cd)) + 1e-9))
case("isclose_far")(lambda lib, cd: lib.isclose(_t(lib, _arr(3, 0, cd)), _t(lib, _arr(3, 1, cd))))
case("allclose")(lambda lib, cd: lib.allclose(_t(lib, _arr(3, 0, cd)), _t(lib, _arr(3, 0, cd))))
case("allclose_false")(lambda lib, cd: lib.allclose(_t(lib, _arr(3, 0, cd)),
                                                    _t(lib, _arr(3, 1, cd))))
case("equal")(lambda lib, cd: lib.equal(_t(lib, _arr(3, 0, cd)), _t(lib, _arr(3, 0, cd))))

# --- conversions --------------------------------------------------------------------------------
for _d in ("complex64", "complex128"):
    case(f"to_{_d}")(lambda lib, cd, d=_d: _t(lib, _arr(3, 0, cd)).to(_edt(lib, d)))
    case(f"float_to_{_d}")(lambda lib, cd, d=_d: lib.tensor([1.5, -2.0]).to(_edt(lib, d)))
    case(f"int_to_{_d}")(lambda lib, cd, d=_d: lib.tensor([1, -2]).to(_edt(lib, d)))
for _d in ("float32", "float64", "int64", "float16", "bool"):
    case(f"complex_to_{_d}")(lambda lib, cd, d=_d: _t(lib, _arr(3, 0, cd)).to(_edt(lib, d)))
case("cfloat_method")(lambda lib, cd: lib.tensor([1.0, 2.0]).cfloat())
case("cdouble_method")(lambda lib, cd: lib.tensor([1.0, 2.0]).cdouble())
case("float_method")(lambda lib, cd: _t(lib, _arr(3, 0, cd)).float())
case("type_as")(lambda lib, cd: lib.tensor([1.0, 2.0]).type_as(_t(lib, _arr(2, 0, cd))))


def _copy_into_real(lib, cd):
    x = lib.zeros(3)
    x.copy_(_t(lib, _arr(3, 0, cd)))
    return x


case("copy_complex_into_real")(_copy_into_real)


def _set_real_from_complex(lib, cd):
    x = lib.zeros(3, dtype=_edt(lib, cd))
    x[1] = 2 + 3j
    x[2:] = lib.tensor([1.0])
    return x


case("setitem")(_set_real_from_complex)
case("numpy")(lambda lib, cd: _t(lib, _arr(3, 0, cd)).numpy())
case("clone")(lambda lib, cd: _t(lib, _arr(3, 0, cd)).clone())
case("cat_mixed")(lambda lib, cd: lib.cat([_t(lib, _arr(2, 0, cd)), lib.ones(2)]))
case("stack")(lambda lib, cd: lib.stack([_t(lib, _arr(2, 0, cd)), _t(lib, _arr(2, 1, cd))]))
case("index")(lambda lib, cd: _t(lib, _arr((3, 4), 0, cd))[1:, ::2])
case("flip")(lambda lib, cd: _t(lib, _arr((3, 4), 0, cd)).flip(0))
case("reshape")(lambda lib, cd: _t(lib, _arr((3, 4), 0, cd)).reshape(2, 6))

# --- printing ---------------------------------------------------------------------------------------
_REPR = {
    "repr_vec": lambda lib, cd: lib.tensor([1 + 2j, -3.5 - 0.25j], dtype=_edt(lib, cd)),
    "repr_scalar": lambda lib, cd: lib.tensor(1 - 1j, dtype=_edt(lib, cd)),
    "repr_int_vals": lambda lib, cd: lib.tensor([1 + 2j, 3 + 0j], dtype=_edt(lib, cd)),
    "repr_mat": lambda lib, cd: lib.tensor(_arr((2, 3), 0, cd)),
    "repr_big": lambda lib, cd: lib.tensor([1e6 + 1j, 1e-4 - 2j], dtype=_edt(lib, cd)),
    "repr_nan": lambda lib, cd: lib.tensor([complex("nan"), complex(1, float("inf"))],
                                           dtype=_edt(lib, cd)),
    "repr_empty": lambda lib, cd: lib.zeros(0, dtype=_edt(lib, cd)),
    "repr_conj": lambda lib, cd: lib.tensor([1 + 2j], dtype=_edt(lib, cd)).conj(),
    "repr_grad": lambda lib, cd: lib.tensor([1 + 2j], dtype=_edt(lib, cd),
                                            requires_grad=True) * 2,
    "repr_real_part": lambda lib, cd: lib.tensor([1 + 2j], dtype=_edt(lib, cd)).real,
    "repr_summarized": lambda lib, cd: lib.tensor(_arr((40, 40), 3, cd)),
    "repr_sci": lambda lib, cd: lib.tensor([1e-8 + 1e8j, 1 + 1j], dtype=_edt(lib, cd)),
    "repr_neg_zero_imag": lambda lib, cd: lib.tensor([1 - 0j, -0.0 + 1j], dtype=_edt(lib, cd)),
    "repr_3d": lambda lib, cd: lib.tensor(_arr((2, 2, 2), 4, cd)),
    "repr_pure_imag": lambda lib, cd: lib.tensor([1j, -2.5j], dtype=_edt(lib, cd)),
    "repr_large_int": lambda lib, cd: lib.tensor([12345678 + 1j], dtype=_edt(lib, cd)),
}


def _repr_precision(lib, cd):
    lib.set_printoptions(precision=2)
    try:
        return repr(lib.tensor(_arr(3, 5, cd))).replace("ember", "torch")
    finally:
        lib.set_printoptions(profile="default")


case("repr_precision2")(_repr_precision)
for _n, _f in _REPR.items():
    case(_n)(lambda lib, cd, f=_f: repr(f(lib, cd)).replace("ember", "torch"))
case("str_complex")(lambda lib, cd: str(lib.tensor([0.5 + 1j, 2j])))


# --- autograd (conjugate Wirtinger convention: .grad compared with torch's) ----------------------
def _grad_case(fn, nin=1, shape=(2, 3)):
    def run(lib, cd):
        xs = [_t(lib, _arr(shape, 10 + i, cd), grad=True) for i in range(nin)]
        out = fn(lib, *xs)
        out.backward()
        return tuple(x.grad for x in xs)
    return run


_GRADS = {
    "abs": lambda lib, z: z.abs().sum(),
    "abs_sq": lambda lib, z: (z.abs() ** 2).sum(),
    "real": lambda lib, z: z.real.sum(),
    "imag": lambda lib, z: z.imag.sum(),
    "angle": lambda lib, z: z.angle().sum(),
    "conj_real": lambda lib, z: (z.conj() * 2j).real.sum(),
    "conj_physical": lambda lib, z: lib.conj_physical(z).imag.sum(),
    "exp": lambda lib, z: z.exp().real.sum(),
    "log": lambda lib, z: z.log().abs().sum(),
    "sqrt": lambda lib, z: z.sqrt().imag.sum(),
    "sin": lambda lib, z: z.sin().abs().sum(),
    "cos": lambda lib, z: z.cos().real.sum(),
    "tanh": lambda lib, z: z.tanh().abs().sum(),
    "sigmoid": lambda lib, z: z.sigmoid().real.sum(),
    "reciprocal": lambda lib, z: z.reciprocal().imag.sum(),
    "pow2": lambda lib, z: (z ** 2).abs().sum(),
    "pow_frac": lambda lib, z: z.pow(1.5).real.sum(),
    "square": lambda lib, z: z.square().imag.sum(),
    "neg": lambda lib, z: (-z).imag.sum(),
    "mul_scalar": lambda lib, z: (z * (2 - 1j)).real.sum(),
    "div_scalar": lambda lib, z: (z / (2 - 1j)).imag.sum(),
    "sum_abs": lambda lib, z: z.sum().abs(),
    "mean_abs": lambda lib, z: z.mean(1).abs().sum(),
    "prod_abs": lambda lib, z: z.prod(1).abs().sum(),
    "cumsum_abs": lambda lib, z: z.cumsum(1).abs().sum(),
    "mH": lambda lib, z: (z.mH * 1j).real.sum(),
    "view_as_real": lambda lib, z: (lib.view_as_real(z) * lib.tensor([1.0, 3.0])).sum(),
    "sgn": lambda lib, z: z.sgn().real.sum(),
    "norm": lambda lib, z: z.norm(),
}
for _n in ("tan", "sinh", "cosh", "asin", "acos", "atan", "asinh", "atanh", "log10", "log2",
           "log1p", "expm1", "exp2", "rsqrt"):
    _GRADS[f"unary_{_n}"] = lambda lib, z, n=_n: getattr(lib, n)(z * 0.3).abs().sum()
_GRADS.update({
    "cumprod": lambda lib, z: z.cumprod(1).real.sum(),
    "prod_all": lambda lib, z: z.prod().abs(),
    "sub_rsub": lambda lib, z: (1j - z).imag.sum(),
    "rdiv": lambda lib, z: ((1 + 1j) / z).real.sum(),
    "rpow": lambda lib, z: (2 ** z).abs().sum(),
    "pow_complex_exp": lambda lib, z: z.pow(1 - 1j).abs().sum(),
    "var": lambda lib, z: z.var(),
    "std": lambda lib, z: z.std(dim=1).sum(),
    "vector_norm_l1": lambda lib, z: lib.linalg.vector_norm(z, 1),
    "abs_then_mul": lambda lib, z: (z.abs() * z).real.sum(),
    "conj_mul_self": lambda lib, z: (z * z.conj()).real.sum(),
    "adjoint_mm": lambda lib, z: (z @ z.adjoint()).real.sum(),
    "reshape_index": lambda lib, z: z.reshape(3, 2)[1:].abs().sum(),
    "transpose_flip": lambda lib, z: z.t().flip(0).imag.sum(),
    "cat_stack": lambda lib, z: lib.cat([z, z * 1j]).abs().sum(),
    "expand_bcast": lambda lib, z: (z[:1] * z).abs().sum(),
    "polar_of_parts": lambda lib, z: lib.polar(z.abs(), z.angle()).imag.sum(),
    "view_as_complex": lambda lib, z: lib.view_as_complex(lib.view_as_real(z) * 2).abs().sum(),
    "real_imag_mix": lambda lib, z: (z.real * z.imag).sum(),
    "addcmul": lambda lib, z: lib.addcmul(z, z, z * 1j, value=0.5).abs().sum(),
    "mul_real_tensor": lambda lib, z: (z * z.real).abs().sum(),
})
for _n, _f in _GRADS.items():
    case(f"grad_{_n}")(_grad_case(_f))
_GRADS2 = {
    "add": lambda lib, a, b: (a + b).abs().sum(),
    "sub": lambda lib, a, b: (a - b).abs().sum(),
    "mul": lambda lib, a, b: (a * b).abs().sum(),
    "div": lambda lib, a, b: (a / b).real.sum(),
    "pow": lambda lib, a, b: (a ** b).abs().sum(),
    "matmul": lambda lib, a, b: (a @ b.mT).abs().sum(),
    "mm": lambda lib, a, b: lib.mm(a, b.mT).real.sum(),
    "bmm": lambda lib, a, b: lib.bmm(a[None], b.mT[None]).imag.sum(),
    "complex_fn": lambda lib, a, b: lib.complex(a.real, b.imag).abs().sum(),
    "where": lambda lib, a, b: lib.where(a.real > 0, a, b).abs().sum(),
    "mv": lambda lib, a, b: lib.mv(a, b[0]).abs().sum(),
    "outer": lambda lib, a, b: lib.outer(a[0], b[1]).abs().sum(),
    "matmul_vec": lambda lib, a, b: (a @ b[0]).abs().sum(),
    "einsum": lambda lib, a, b: lib.einsum("ij,kj->ik", a, b).abs().sum(),
    "sum_of_mixed": lambda lib, a, b: ((a + b).sum() * (a - b).mean()).abs(),
}
for _n, _f in _GRADS2.items():
    case(f"grad2_{_n}")(_grad_case(_f, 2))


def _grad_dot(name):
    def run(lib, cd):
        a, b = (_t(lib, _arr(4, 20 + i, cd), grad=True) for i in range(2))
        getattr(lib, name)(a, b).abs().backward()
        return a.grad, b.grad
    return run


case("grad2_dot")(_grad_dot("dot"))
case("grad2_vdot")(_grad_dot("vdot"))


def _grad_real_to_complex(lib, cd):
    x = lib.tensor(_arr(3, 0, cd).real, requires_grad=True)
    y = lib.tensor(_arr(3, 1, cd).real, requires_grad=True)
    lib.polar(x.abs(), y).abs().sum().backward()
    return x.grad, y.grad


case("grad_polar_real_inputs")(_grad_real_to_complex)


def _grad_real_times_complex(lib, cd):
    x = lib.tensor(_arr(3, 0, cd).real, requires_grad=True)
    z = _t(lib, _arr(3, 1, cd), grad=True)
    (x * z).abs().sum().backward()
    return x.grad, z.grad


case("grad_real_times_complex")(_grad_real_times_complex)


def _grad_to_complex(lib, cd):
    x = lib.tensor(_arr(3, 0, cd).real, requires_grad=True)
    (x.to(_edt(lib, cd)) * (1 + 2j)).abs().sum().backward()
    return x.grad


case("grad_real_to_complex_cast")(_grad_to_complex)


def _grad_mixed(fn):
    """A real and a complex leaf mixed: the real one gets the real part of its gradient,
    with no cast warning from the backward pass (the last output: warnings counted)."""
    def run(lib, cd):
        x = lib.tensor(_arr(3, 0, cd).real, requires_grad=True)
        z = _t(lib, _arr(3, 1, cd), grad=True)
        out = fn(lib, x, z).abs().sum()
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            out.backward()
        return x.grad, z.grad, len(w)
    return run


for _n, _f in {"cat": lambda lib, x, z: lib.cat([x, z]),
               "stack": lambda lib, x, z: lib.stack([x, z]),
               "add": lambda lib, x, z: x + z,
               "sum_plus_real": lambda lib, x, z: z.sum() + x,
               "matmul": lambda lib, x, z: x[None] @ z[:, None]}.items():
    case(f"grad_mixed_{_n}")(_grad_mixed(_f))


def _grad_nonscalar_raises(lib, cd):
    z = _t(lib, _arr(3, 0, cd), grad=True)
    (z * 2).sum().backward()
    return z.grad


case("grad_complex_scalar_backward_raises")(_grad_nonscalar_raises)


def _grad_explicit(lib, cd):
    z = _t(lib, _arr(3, 0, cd), grad=True)
    (z * (1 + 1j)).backward(_t(lib, _arr(3, 1, cd)))
    return z.grad


case("grad_explicit_complex_grad_output")(_grad_explicit)


def _autograd_grad(lib, cd):
    z = _t(lib, _arr(3, 0, cd), grad=True)
    return lib.autograd.grad((z * z.conj()).real.sum(), z)


case("autograd_grad")(_autograd_grad)


def _inplace_grad(lib, cd):
    z = _t(lib, _arr(3, 0, cd), grad=True)
    w = z * 1
    w.mul_(1 + 2j)
    w.exp_()
    w.abs().sum().backward()
    return z.grad


case("grad_inplace_ops")(_inplace_grad)


def _real_view_inplace_grad(lib, cd):
    z = _t(lib, _arr(3, 0, cd), grad=True)
    w = z * 1
    w.real.mul_(3)
    w.abs().sum().backward()
    return z.grad


case("grad_inplace_through_real_view")(_real_view_inplace_grad)


def _gradcheck(lib, cd):
    z = lib.tensor(_arr(3, 0, "complex128"), requires_grad=True)
    return lib.autograd.gradcheck(lambda x: (x * x.sin()).abs(), (z,))


case("gradcheck_complex128")(_gradcheck)


def _double_backward(lib, cd):
    z = _t(lib, _arr(3, 0, cd), grad=True)
    (g,) = lib.autograd.grad((z * z).abs().sum(), z, create_graph=True)
    g.abs().sum().backward()
    return z.grad


case("grad_double_backward")(_double_backward)
case("requires_grad_int_raises")(lambda lib, cd: lib.tensor([1, 2]).requires_grad_())
case("sum_dtype")(lambda lib, cd: _t(lib, _arr(3, 0, cd)).sum(dtype=lib.complex128))
case("mean_int_dtype_complex")(lambda lib, cd: lib.tensor([1, 2]).mean(dtype=_edt(lib, cd)))
case("softmax_complex")(lambda lib, cd: lib.softmax(_t(lib, _arr(3, 0, cd)), 0))
case("linear_complex")(lambda lib, cd: lib.nn.functional.linear(_t(lib, _arr((2, 3), 0, cd)),
                                                                _t(lib, _arr((4, 3), 1, cd))))
case("trace")(lambda lib, cd: lib.trace(_t(lib, _arr((3, 3), 0, cd))))
case("diag")(lambda lib, cd: lib.diag(_t(lib, _arr(3, 0, cd))))
case("tril")(lambda lib, cd: lib.tril(_t(lib, _arr((3, 3), 0, cd))))
case("kron")(lambda lib, cd: lib.kron(_t(lib, _arr(2, 0, cd)), _t(lib, _arr(2, 1, cd))))
case("masked_fill")(lambda lib, cd: _t(lib, _arr(3, 0, cd)).masked_fill(
    lib.tensor([True, False, True]), 1j))
case("nonzero")(lambda lib, cd: lib.tensor([0j, 1j, 0], dtype=_edt(lib, cd)).nonzero())
case("any")(lambda lib, cd: lib.tensor([0j, 1j], dtype=_edt(lib, cd)).any())
case("count_nonzero")(lambda lib, cd: lib.count_nonzero(lib.tensor([0j, 1j, 1],
                                                                   dtype=_edt(lib, cd))))
case("sort_raises")(lambda lib, cd: lib.sort(_t(lib, _arr(3, 0, cd))))
case("topk_raises")(lambda lib, cd: lib.topk(_t(lib, _arr(3, 0, cd)), 2))
case("argsort_raises")(lambda lib, cd: lib.argsort(_t(lib, _arr(3, 0, cd))))
case("argmax_raises")(lambda lib, cd: _t(lib, _arr(3, 0, cd)).argmax())
case("minimum_raises")(lambda lib, cd: lib.minimum(_t(lib, _arr(3, 0, cd)),
                                                   _t(lib, _arr(3, 1, cd))))
case("atan2_raises")(lambda lib, cd: lib.atan2(_t(lib, _arr(3, 0, cd)), _t(lib, _arr(3, 1, cd))))
case("erf_raises")(lambda lib, cd: lib.erf(_t(lib, _arr(3, 0, cd))))
case("round_raises")(lambda lib, cd: lib.round(_t(lib, _arr(3, 0, cd))))
case("bitwise_raises")(lambda lib, cd: _t(lib, _arr(3, 0, cd)) & 1)
case("logical_not")(lambda lib, cd: lib.logical_not(lib.tensor([0j, 1j], dtype=_edt(lib, cd))))
case("square_int_complex")(lambda lib, cd: lib.square(lib.tensor([1j], dtype=_edt(lib, cd))))
case("lerp")(lambda lib, cd: lib.lerp(_t(lib, _arr(3, 0, cd)), _t(lib, _arr(3, 1, cd)), 0.3))
case("sum_empty")(lambda lib, cd: lib.zeros(0, dtype=_edt(lib, cd)).sum())
case("prod_empty")(lambda lib, cd: lib.zeros(0, dtype=_edt(lib, cd)).prod())
case("fft_like_dft")(lambda lib, cd: lib.exp(-2j * 3.141592653589793 * lib.arange(4.0)[:, None]
                                             * lib.arange(4.0) / 4).to(_edt(lib, cd))
                     @ _t(lib, _arr(4, 0, cd)))


# --- the comparison ---------------------------------------------------------------------------------
def _run(fn, lib, cd):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            out = fn(lib, cd)
        except Exception as e:  # noqa: BLE001
            return ("raise", type(e), e), [type(x.category) for x in w]
    return ("ok", out), sorted({x.category.__name__ for x in w})


def _tol(cd):
    return (1e-5, 1e-6) if cd == "complex64" else (1e-10, 1e-12)


def _compare(e, t, cd, path="out"):
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), f"{path}: ember gave {type(e).__name__}"
        assert str(e.dtype).split(".")[1] == str(t.dtype).split(".")[1], \
            f"{path}: dtype {e.dtype} vs {t.dtype}"
        assert tuple(e.shape) == tuple(t.shape), f"{path}: shape {tuple(e.shape)} vs {t.shape}"
        tv = t.detach().resolve_conj().resolve_neg().numpy()
        ev = np.asarray(e.detach().resolve_conj()._data) if hasattr(e, "resolve_conj") \
            else np.asarray(e.detach()._data)
        if tv.dtype.kind in "fc":
            rt, at = _tol(cd)
            np.testing.assert_allclose(ev, tv, rtol=rt, atol=at, equal_nan=True, err_msg=path)
        else:
            np.testing.assert_array_equal(ev, tv, err_msg=path)
    elif isinstance(t, (tuple, list)):
        assert isinstance(e, (tuple, list)) and len(e) == len(t), f"{path}: {e!r} vs {t!r}"
        for i, (a, b) in enumerate(zip(e, t)):
            _compare(a, b, cd, f"{path}[{i}]")
    elif isinstance(t, np.ndarray):
        assert isinstance(e, np.ndarray) and e.dtype == t.dtype, f"{path}: {e!r} vs {t!r}"
        np.testing.assert_allclose(e, t, rtol=_tol(cd)[0])
    elif isinstance(t, (complex, float)):
        assert type(e) is type(t), f"{path}: {type(e).__name__} vs {type(t).__name__}"
        assert np.isclose(e, t, rtol=_tol(cd)[0]), f"{path}: {e} vs {t}"
    elif isinstance(t, torch.dtype):
        assert str(e).split(".")[1] == str(t).split(".")[1], f"{path}: {e} vs {t}"
    elif isinstance(t, torch.Size):
        assert tuple(e) == tuple(t), f"{path}: {e} vs {t}"
    elif isinstance(t, str):
        e = e.replace("ember", "torch")
        assert e == t, f"{path}:\nember: {e!r}\ntorch: {t!r}"
    else:
        assert e == t, f"{path}:\nember: {e!r}\ntorch: {t!r}"


# Known differences (xfail, strict: a fix must remove the entry). name -> reason.
KNOWN = {
    "conj_view_write_through": "conj() is a conjugated copy, not torch's lazy conj view",
    "conj_shares_storage": "conj() is a conjugated copy, not torch's lazy conj view",
    "half_tensor_mul_pycomplex": "no complex32 (ComplexHalf): ember gives complex64",
}


@pytest.mark.parametrize("cd", list(CDT))
@pytest.mark.parametrize("name", list(CASES))
def test_complex(name, cd, request):
    if name in KNOWN:
        request.applymarker(pytest.mark.xfail(reason=KNOWN[name], strict=True))
    fn = CASES[name]
    (t, *tr), tw = _run(fn, torch, cd)
    (e, *er), ew = _run(fn, ember, cd)
    if t == "raise":
        assert e == "raise", f"torch raised {tr[0].__name__}: {tr[1]}; ember returned {er[0]!r}"
        assert er[0] is tr[0], f"torch raised {tr[0].__name__}: {tr[1]}; ember raised " \
                               f"{er[0].__name__}: {er[1]}"
        return
    assert e == "ok", f"ember raised {er[0].__name__}: {er[1]}"
    _compare(er[0], tr[0], cd)
    # torch's cast warning is warn-once per process, so only torch -> ember is checked
    if "UserWarning" in tw:
        assert "UserWarning" in ew, f"torch warned {tw}, ember {ew}"
