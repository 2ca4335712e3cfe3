"""Readers for event files (the real consumer: tensorboard's EventAccumulator)."""

import glob
import os

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

ALL = {"compressedHistograms": 0, "images": 0, "audio": 0, "scalars": 0, "histograms": 0,
       "tensors": 0}


def accumulate(logdir):
    ea = EventAccumulator(str(logdir), size_guidance=ALL)
    ea.Reload()
    return ea


def raw_events(logdir):
    """Every Event proto of the event files directly in ``logdir``, in file order."""
    out = []
    for path in sorted(glob.glob(os.path.join(str(logdir), "events.out.tfevents.*"))):
        out.extend(EventFileLoader(path).Load())
    return out


def summary_values(logdir):
    return [(e.step, v) for e in raw_events(logdir) if e.HasField("summary")
            for v in e.summary.value]
