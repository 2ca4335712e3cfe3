"""torch's default DDP communication hooks: ``allreduce_hook`` and
``fp16_compress_hook``/``bf16_compress_hook`` (compress, all-reduce the average,
decompress into the bucket)."""

from __future__ import annotations

from ... import distributed_c10d as c10d

__all__ = ["allreduce_hook", "fp16_compress_hook", "bf16_compress_hook"]


def _world(process_group):
    return c10d.get_world_size(process_group)


def allreduce_hook(process_group, bucket):
    """Averages the bucket: divide by the world size, then all-reduce (SUM)."""
    buf = bucket.buffer()
    buf.div_(_world(process_group))
    work = c10d.all_reduce(buf, group=process_group, async_op=True)
    return work.get_future().then(lambda fut: fut.value()[0])


def _compress_hook(dtype, process_group, bucket):
    buf = bucket.buffer()
    compressed = buf.to(dtype).div_(_world(process_group))
    work = c10d.all_reduce(compressed, group=process_group, async_op=True)

    def decompress(fut):
        out = bucket.buffer()
        out.copy_(fut.value()[0])
        return out
    return work.get_future().then(decompress)


def fp16_compress_hook(process_group, bucket):
    """Casts the bucket to float16, all-reduces the average, casts back."""
    from .... import float16
    return _compress_hook(float16, process_group, bucket)


def bf16_compress_hook(process_group, bucket):
    """Casts the bucket to bfloat16, all-reduces the average, casts back."""
    from .... import bfloat16
    return _compress_hook(bfloat16, process_group, bucket)
