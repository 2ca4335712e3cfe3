"""Eager-mode post-training dynamic quantization (``torch.ao.quantization.quantize``)."""

from __future__ import annotations

import copy
import itertools

from ... import dtypes as _dt
from ... import nn
from ...nn.utils.parametrize import type_before_parametrizations
from ..nn.quantized import dynamic as nnqd
from . import _qtensor as _q
from .observer import PlaceholderObserver
from .qconfig import QConfig, default_dynamic_qconfig, float16_dynamic_qconfig

__all__ = ["quantize_dynamic", "propagate_qconfig_", "convert", "swap_module",
           "get_default_dynamic_quant_module_mappings", "float_qparams_weight_only_qconfig"]

# weight-only embedding quantization: the qconfig exists so that dtype=quint8 resolves as
# in torch; converting an Embedding with it raises NotImplementedError
float_qparams_weight_only_qconfig = QConfig(
    activation=PlaceholderObserver.with_args(dtype=_dt.float32),
    weight=PlaceholderObserver.with_args(dtype=_q.quint8,
                                         qscheme=_q.per_channel_affine_float_qparams))


def get_default_dynamic_quant_module_mappings() -> dict:
    """Float module type -> dynamic quantized module type (torch's default table)."""
    return {
        nn.GRUCell: nnqd.GRUCell,
        nn.LSTMCell: nnqd.LSTMCell,
        nn.RNNCell: nnqd.RNNCell,
        nn.LSTM: nnqd.LSTM,
        nn.GRU: nnqd.GRU,
        nn.Linear: nnqd.Linear,
        nn.modules.linear.NonDynamicallyQuantizableLinear: nnqd.Linear,
        nn.Embedding: _EmbeddingNotImplemented,
        nn.EmbeddingBag: _EmbeddingNotImplemented,
    }


class _EmbeddingNotImplemented:
    @classmethod
    def from_float(cls, mod, path: str = ""):
        where = f" (module '{path}')" if path else ""
        raise NotImplementedError(
            f"weight-only quantization of {type(mod).__name__}{where} is not implemented in "
            "ember; only nn.Linear has a dynamic quantized version")


def _propagate_qconfig_helper(module, qconfig_dict, qconfig_parent=None, prefix="") -> None:
    module_qconfig = qconfig_dict.get(type_before_parametrizations(module), qconfig_parent)
    module_qconfig = qconfig_dict.get(prefix, module_qconfig)
    module_qconfig = getattr(module, "qconfig", module_qconfig)
    module.qconfig = module_qconfig
    for name, child in module.named_children():
        _propagate_qconfig_helper(child, qconfig_dict, module_qconfig,
                                  prefix + "." + name if prefix else name)


def propagate_qconfig_(module, qconfig_dict=None, prepare_custom_config_dict=None) -> None:
    """Attach ``qconfig`` to every submodule: by name (a key ``"fc1"``), else by type,
    else the parent's; a module's own ``qconfig`` attribute wins."""
    _propagate_qconfig_helper(module, qconfig_dict or {})


def swap_module(mod, mapping, custom_module_class_mapping=None, path: str = ""):
    """``mod``'s quantized counterpart if it has a ``qconfig`` and a mapping, else ``mod``."""
    new_mod = mod
    if getattr(mod, "qconfig", None) is not None:
        t = type_before_parametrizations(mod)
        if t in mapping:
            qmod = mapping[t]
            if issubclass(qmod, (nnqd.rnn._NotImplementedRNN, _EmbeddingNotImplemented)):
                new_mod = qmod.from_float(mod, path=path)
            else:
                new_mod = qmod.from_float(mod)
            for hook in mod._forward_pre_hooks.values():
                new_mod.register_forward_pre_hook(hook)
            for hook in mod._forward_hooks.values():
                new_mod.register_forward_hook(hook)
    return new_mod


def _convert(module, mapping, prefix: str = "") -> None:
    reassign = {}
    for name, mod in module.named_children():
        path = prefix + "." + name if prefix else name
        _convert(mod, mapping, path)
        reassign[name] = swap_module(mod, mapping, path=path)
    for key, value in reassign.items():
        module._modules[key] = value


def _remove_qconfig(module) -> None:
    for child in module.children():
        _remove_qconfig(child)
    if hasattr(module, "qconfig"):
        del module.qconfig


def convert(module, mapping=None, inplace: bool = False, remove_qconfig: bool = True,
            is_reference: bool = False, convert_custom_config_dict=None,
            use_precomputed_fake_quant: bool = False):
    """Swap every submodule that has a ``qconfig`` and an entry in ``mapping`` for its
    quantized version (``from_float``), recursively."""
    if mapping is None:
        mapping = get_default_dynamic_quant_module_mappings()
    if not inplace:
        module = copy.deepcopy(module)
    _convert(module, mapping)
    if remove_qconfig:
        _remove_qconfig(module)
    return module


def quantize_dynamic(model, qconfig_spec=None, dtype=_q.qint8, mapping=None,
                     inplace: bool = False):
    """Dynamic (weight-only int8, activations quantized per call) quantization of
    ``model``: ``nn.Linear`` layers become ``DynamicQuantizedLinear``.

    ``qconfig_spec``: a set of module types and/or submodule names (quantized with
    ``dtype``), or a dict from type or name to ``QConfig``; ``None``: torch's defaults for
    ``dtype``.  ``inplace=False`` deep-copies the model first.  The model is put in eval
    mode.  RNN and embedding modules selected for quantization raise NotImplementedError
    (ember has dynamic quantized Linear only)."""
    if qconfig_spec is None:
        if dtype is _q.qint8:
            qconfig_spec = dict.fromkeys(
                (nn.Linear, nn.LSTM, nn.GRU, nn.LSTMCell, nn.RNNCell, nn.GRUCell),
                default_dynamic_qconfig)
        elif dtype is _dt.float16:
            qconfig_spec = dict.fromkeys(
                (nn.Linear, nn.LSTM, nn.GRU, nn.LSTMCell, nn.RNNCell, nn.GRUCell),
                float16_dynamic_qconfig)
        elif dtype is _q.quint8:
            qconfig_spec = dict.fromkeys((nn.EmbeddingBag, nn.Embedding),
                                         float_qparams_weight_only_qconfig)
        else:
            raise ValueError(f"Don't know how to quantize with default settings for {dtype}. "
                             "Provide full qconfig please")
    elif isinstance(qconfig_spec, set):
        if dtype is _q.qint8:
            default_qconfig = default_dynamic_qconfig
        elif dtype is _dt.float16:
            default_qconfig = float16_dynamic_qconfig
        elif dtype is _q.quint8:
            default_qconfig = float_qparams_weight_only_qconfig
        else:
            raise RuntimeError("Unknown dtype specified for quantize_dynamic: ", str(dtype))
        qconfig_spec = dict(zip(qconfig_spec, itertools.repeat(default_qconfig)))
    if mapping is None:
        mapping = get_default_dynamic_quant_module_mappings()
    if not inplace:
        model = copy.deepcopy(model)
    model.eval()
    propagate_qconfig_(model, qconfig_spec)
    convert(model, mapping, inplace=True)
    return model
