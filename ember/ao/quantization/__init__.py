"""``torch.ao.quantization``: post-training dynamic quantization.

``quantize_dynamic(model, {nn.Linear}, dtype=qint8)`` swaps ``nn.Linear`` layers for
``DynamicQuantizedLinear`` (int8 weights, activations quantized per call, float output),
numerically identical to torch's x86/fbgemm CPU engine.
"""

from . import observer, qconfig
from ._qtensor import (
    dequantize,
    per_channel_affine,
    per_channel_affine_float_qparams,
    per_channel_symmetric,
    per_tensor_affine,
    per_tensor_symmetric,
    qscheme,
    quantize_per_channel,
    quantize_per_tensor,
    quantize_per_tensor_dynamic,
)
from .observer import (
    MinMaxObserver,
    ObserverBase,
    PerChannelMinMaxObserver,
    PlaceholderObserver,
    default_dynamic_quant_observer,
    default_per_channel_weight_observer,
    default_placeholder_observer,
    default_weight_observer,
)
from .qconfig import (
    QConfig,
    QConfigDynamic,
    default_dynamic_qconfig,
    float16_dynamic_qconfig,
    per_channel_dynamic_qconfig,
)
from .quantize import (
    convert,
    float_qparams_weight_only_qconfig,
    get_default_dynamic_quant_module_mappings,
    propagate_qconfig_,
    quantize_dynamic,
    swap_module,
)

__all__ = [
    "quantize_dynamic", "propagate_qconfig_", "convert", "swap_module",
    "get_default_dynamic_quant_module_mappings", "QConfig", "QConfigDynamic",
    "default_dynamic_qconfig", "per_channel_dynamic_qconfig", "float16_dynamic_qconfig",
    "float_qparams_weight_only_qconfig", "MinMaxObserver", "PerChannelMinMaxObserver",
    "PlaceholderObserver", "ObserverBase", "default_dynamic_quant_observer",
    "default_weight_observer", "default_per_channel_weight_observer",
    "default_placeholder_observer", "observer", "qconfig",
]
_ = (dequantize, per_channel_affine, per_channel_affine_float_qparams, per_channel_symmetric,
     per_tensor_affine, per_tensor_symmetric, qscheme, quantize_per_channel,
     quantize_per_tensor, quantize_per_tensor_dynamic)
