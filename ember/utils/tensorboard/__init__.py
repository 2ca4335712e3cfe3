"""``ember.utils.tensorboard``: log to TensorBoard with torch's ``SummaryWriter`` API.

Needs the ``tensorboard`` package (``pip install ember[tensorboard]``), whose protocol
buffers and event-file writer are used, as PyTorch does."""

try:
    import tensorboard  # noqa: F401
    from tensorboard.summary.writer.event_file_writer import EventFileWriter  # noqa: F401
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError(
        "ember.utils.tensorboard needs the 'tensorboard' package, which is not installed: "
        "pip install ember[tensorboard]  (or: pip install tensorboard)") from e

from .writer import FileWriter, SummaryWriter

__all__ = ["FileWriter", "SummaryWriter"]
