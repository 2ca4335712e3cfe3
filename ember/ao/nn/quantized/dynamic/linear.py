"""``DynamicQuantizedLinear`` (``torch.ao.nn.quantized.dynamic.Linear``)."""

from __future__ import annotations

import numpy as np

from ..... import dtypes as _dt
from ....._tensor import Tensor
from .....nn.modules.module import Module
from ....quantization import _qtensor as _q
from ..modules.linear import LinearPackedParams, linear_dynamic

__all__ = ["Linear"]


class Linear(Module):
    """A linear layer with int8 (or float16) weights and float inputs and outputs; the
    activations are quantized per call from their own range (see NOTE [dynamic int8
    linear] in ``ember/ao/nn/quantized/modules/linear.py``).  Inference only: the output
    carries no autograd history."""

    _version = 4

    def __init__(self, in_features: int, out_features: int, bias_: bool = True,
                 dtype=_q.qint8) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        bias = Tensor._make(np.zeros(out_features, np.float32)) if bias_ else None
        if dtype is _q.qint8:
            qweight = _q.QTensor._wrap(np.zeros((out_features, in_features), np.int8),
                                       _q.qint8, _q.per_tensor_affine, 1.0, 0)
        elif dtype is _dt.float16:
            qweight = Tensor._make(np.zeros((out_features, in_features), np.float32))
        else:
            raise RuntimeError("Unsupported dtype specified for quantized Linear!")
        self._packed_params = LinearPackedParams(dtype)
        self._packed_params.set_weight_bias(qweight, bias)
        self.scale = 1.0
        self.zero_point = 0
        self.version = 4

    def forward(self, x):
        dtype = self._packed_params.dtype
        if dtype is not _q.qint8 and dtype is not _dt.float16:
            raise RuntimeError("Unsupported dtype on dynamic quantized linear!")
        y = linear_dynamic(x, self._packed_params._packed_params, reduce_range=True)
        return y if y.dtype is x.dtype else y.to(x.dtype)

    def _get_name(self) -> str:
        return "DynamicQuantizedLinear"

    def extra_repr(self) -> str:
        s = (f"in_features={self.in_features}, out_features={self.out_features}, "
             f"dtype={self._packed_params.dtype}")
        if self._packed_params.dtype is _q.qint8:
            s += f", qscheme={self.weight().qscheme()}"
        return s

    def __repr__(self) -> str:
        # torch hides the LinearPackedParams child (_hide_packed_params_repr)
        extra = self.extra_repr()
        lines = []
        for name, mod in self._modules.items():
            if isinstance(mod, LinearPackedParams):
                continue
            lines.append(f"({name}): " + repr(mod).replace("\n", "\n  "))
        body = self._get_name() + "(" + extra
        if lines:
            body += "\n  " + "\n  ".join(lines) + "\n"
        return body + ")"

    def _save_to_state_dict(self, destination, prefix, keep_vars) -> None:
        super()._save_to_state_dict(destination, prefix, keep_vars)
        destination[prefix + "scale"] = Tensor._make(np.array(self.scale, np.float32))
        destination[prefix + "zero_point"] = Tensor._make(np.array(self.zero_point, np.int64))

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs) -> None:
        self.version = local_metadata.get("version", None)
        self.scale = float(state_dict.pop(prefix + "scale"))
        self.zero_point = int(state_dict.pop(prefix + "zero_point"))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, False, missing_keys,
                                      unexpected_keys, error_msgs)

    def _weight_bias(self):
        return self._packed_params._weight_bias()

    def weight(self):
        return self._weight_bias()[0]

    def bias(self):
        return self._weight_bias()[1]

    def set_weight_bias(self, w, b) -> None:
        self._packed_params.set_weight_bias(w, b)

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant: bool = False):
        """A dynamic quantized copy of a float ``nn.Linear`` (its ``qconfig`` if set, else
        ``default_dynamic_qconfig``, chooses the weight observer)."""
        from .....nn.modules.linear import Linear as FloatLinear
        from .....nn.modules.linear import NonDynamicallyQuantizableLinear
        float_modules = [FloatLinear, NonDynamicallyQuantizableLinear]
        if type(mod) not in float_modules:
            raise AssertionError(
                "nn.quantized.dynamic.Linear.from_float only works for one of"
                + str([m.__name__ for m in float_modules]) + f", got {type(mod)}")
        if not hasattr(mod, "qconfig"):
            raise AssertionError("Input float module must have qconfig defined")
        if mod.qconfig is not None and mod.qconfig.weight is not None:
            weight_observer = mod.qconfig.weight()
        else:
            from ....quantization.qconfig import default_dynamic_qconfig
            weight_observer = default_dynamic_qconfig.weight()
        dtype = weight_observer.dtype
        if dtype is not _q.qint8 and dtype is not _dt.float16:
            raise AssertionError("The only supported dtypes for dynamic quantized linear are "
                                 f"qint8 and float16, got: {dtype}")
        w = mod.weight.detach().float()
        weight_observer(w)
        if dtype is _q.qint8:
            qweight = _quantize_weight(w, weight_observer)
        else:
            qweight = w
        qlinear = cls(mod.in_features, mod.out_features, dtype=dtype)
        bias = mod.bias
        if bias is not None and bias.dtype is not _dt.float32:
            bias = bias.detach().float()
        qlinear.set_weight_bias(qweight, bias)
        return qlinear

    @classmethod
    def from_reference(cls, ref_qlinear):
        raise NotImplementedError("reference quantized modules are not implemented in ember")


def _quantize_weight(float_wt, observer):
    """torch's ``_quantize_weight``: quantize with the observer's qparams, clamped to its
    (possibly narrower) range."""
    scale, zp = observer.calculate_qparams()
    qs = observer.qscheme
    if qs in (_q.per_tensor_symmetric, _q.per_tensor_affine):
        qw = _q.quantize_per_tensor(float_wt, float(scale.item()), int(zp.item()), _q.qint8)
    elif qs in (_q.per_channel_symmetric, _q.per_channel_affine):
        qw = _q.quantize_per_channel(float_wt, scale.to(_dt.float64), zp.to(_dt.int64),
                                     observer.ch_axis, _q.qint8)
    else:
        raise ValueError("Unexpected qscheme " + repr(qs))
    lo, hi = observer.quant_min, observer.quant_max
    if (lo, hi) != (-128, 127):  # a narrower observer range: clamp as _clamp_weights
        ints = np.clip(qw._int, lo, hi).astype(np.int8)
        qw = _q.QTensor._wrap(ints, _q.qint8, qw._qscheme, qw._scale, qw._zp, qw._axis)
    return qw
