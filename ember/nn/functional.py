"""``ember.nn.functional``: the functional forms of nn layers.

Activations and ``pad`` live in ``ember.ops`` and are re-exported here.
"""

from ..ops.activation import *  # noqa: F401,F403
from ..ops.padding import *  # noqa: F401,F403
