"""``ember.nn.functional``: the functional forms of nn layers (torch.nn.functional).

The kernels live in ``ember.ops`` (one file per family); this module gathers them.
"""

from ..ops.activation import *  # noqa: F401,F403
from ..ops.attention import *  # noqa: F401,F403
from ..ops.conv import *  # noqa: F401,F403
from ..ops.distance import *  # noqa: F401,F403
from ..ops.dropout import *  # noqa: F401,F403
from ..ops.loss import *  # noqa: F401,F403
from ..ops.nn_linear import *  # noqa: F401,F403
from ..ops.norm import *  # noqa: F401,F403
from ..ops.padding import *  # noqa: F401,F403
from ..ops.pooling import *  # noqa: F401,F403
from ..ops.rnn import *  # noqa: F401,F403
from ..ops.sparse import *  # noqa: F401,F403
from ..ops.vision import *  # noqa: F401,F403
