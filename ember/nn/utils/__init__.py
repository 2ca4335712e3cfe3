"""``ember.nn.utils``: gradient clipping, parameter vectors, parametrizations, fusion, rnn."""

from . import parametrizations, parametrize, prune, rnn, stateless  # noqa: F401
from .clip_grad import *  # noqa: F401,F403
from .convert_parameters import *  # noqa: F401,F403
from .fusion import *  # noqa: F401,F403
from .spectral_norm import *  # noqa: F401,F403
from .weight_norm import *  # noqa: F401,F403
