"""ember: the PyTorch programming model on NumPy (CPU) and CuPy (GPU).

``import ember as torch`` runs torch-style programs.
"""

from . import _malloc

_malloc.tune()

from . import dtypes
from .dtypes import (
    dtype, float16, half, bfloat16, float32, float, float64, double, int8, int16, short,
    int32, int, int64, long, uint8, bool, complex64, complex128, cfloat, cdouble,
    get_default_dtype, set_default_dtype, promote_types, result_type, can_cast, finfo, iinfo,
)
from .device import device
from ._threads import set_num_threads, get_num_threads, get_num_interop_threads, \
    set_num_interop_threads
from ._tensor import Tensor, Size
from .autograd.grad_mode import (
    no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled,
    is_inference_mode_enabled,
)
from .random import (
    Generator, default_generator, manual_seed, seed, initial_seed, get_rng_state,
    set_rng_state,
)
from . import ops as _ops
from .ops.creation import (
    tensor, as_tensor, asarray, from_numpy, zeros, ones, empty, full, arange, linspace,
    logspace, eye, zeros_like, ones_like, empty_like, full_like, rand, randn, randint,
    randperm, rand_like, randn_like, randint_like, normal, bernoulli, multinomial, poisson,
    clone_tensor as clone,
)
from .ops.elementwise import *
from .ops.shape import *
from .ops.reduction import *
from .ops.linalg import *
from .ops.math import *
from .ops.activation import *
from .ops.indexing import *
from .ops.conversion import *
from .ops.random_ops import *
from .ops.distance import cdist, pdist, cosine_similarity, pairwise_distance
from .ops.norm import batch_norm, layer_norm, group_norm, instance_norm
from .ops.dropout import dropout
from .ops.conv import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d
from .ops.pooling import (
    max_pool1d, max_pool2d, max_pool3d, avg_pool1d, adaptive_avg_pool1d, adaptive_max_pool1d,
)
from .ops.vision import pixel_shuffle, pixel_unshuffle, channel_shuffle
from .ops.sparse import embedding
from .ops.special import *
from . import linalg, nn, optim
from . import special
from .ops.fft_ops import *
from . import fft
from . import distributions
from . import utils
from . import testing
from . import func
from .func import vmap
from .autograd import functional as _autograd_functional  # noqa: F401
from . import autograd, cuda, backends
from . import profiler
from . import jit
from . import distributed, multiprocessing
from .autograd.function import Function
from .amp import autocast, is_autocast_enabled, get_autocast_dtype, set_autocast_enabled
from . import amp, cpu
from . import _dynamo, compiler
from ._dynamo.eval_frame import compile
from . import ao, quantization
from .ao.quantization._qtensor import (
    qint8, quint8, qint32, qscheme, per_tensor_affine, per_channel_affine, per_tensor_symmetric,
    per_channel_symmetric, per_channel_affine_float_qparams, quantize_per_tensor,
    quantize_per_channel, quantize_per_tensor_dynamic, dequantize,
)

__version__ = "0.1.0"
from .serialization import save, load
