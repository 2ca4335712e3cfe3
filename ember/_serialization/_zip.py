"""A minimal, strict zip reader/writer for PyTorch's checkpoint archive layout.

Writer: every record is stored (no compression) and its data starts at a multiple of
64 bytes, padded with a ``FB`` extra field of ``Z`` bytes exactly like torch's
``PyTorchFileWriter``; zip64 records are used only when sizes or offsets need them.
The CRC of each record is computed before its header is written, so storage bytes go
straight from the array's buffer to the file (one pass, no copy).

Reader: parses the central directory itself and validates it strictly (stored entries
only, no ``..``/absolute/backslash names, no duplicates, no overlapping entries, local
headers agreeing with the central directory, data inside the file); CRCs are checked
when records are read.  Errors raise ``_ZipError`` (converted to ``CheckpointError`` by
the caller, which knows the file name).
"""

from __future__ import annotations

import struct
import zlib

ALIGN = 64

_LOCAL = struct.Struct("<IHHHHHIIIHH")      # 30 bytes
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")  # 46 bytes
_EOCD = struct.Struct("<IHHHHIIH")          # 22 bytes
_EOCD64 = struct.Struct("<IQHHIIQQQQ")      # 56 bytes
_LOC64 = struct.Struct("<IIQI")             # 20 bytes

_SIG_LOCAL = 0x04034B50
_SIG_CENTRAL = 0x02014B50
_SIG_EOCD = 0x06054B50
_SIG_EOCD64 = 0x06064B50
_SIG_LOC64 = 0x07064B50
_U32 = 0xFFFFFFFF


class _ZipError(Exception):
    pass


class ZipWriter:
    """Writes records to a binary file object sequentially."""

    def __init__(self, f, archive: str) -> None:
        self.f = f
        self.prefix = archive + "/"
        self.pos = 0
        self.entries: list[tuple[bytes, int, int, int]] = []  # name, crc, size, offset

    def write_record(self, name: str, data) -> None:
        """``data``: bytes or any C-contiguous buffer (written without copying)."""
        mv = memoryview(data).cast("B") if not isinstance(data, bytes) else data
        size = len(mv)
        crc = zlib.crc32(mv)
        bname = (self.prefix + name).encode("utf-8")
        offset = self.pos
        extra = b""
        if size >= _U32:
            extra = struct.pack("<HHQQ", 1, 16, size, size)
        base = offset + _LOCAL.size + len(bname) + len(extra) + 4
        pad = (-base) % ALIGN
        extra += struct.pack("<HH", 0x4246, pad) + b"Z" * pad
        s32 = _U32 if size >= _U32 else size
        hdr = _LOCAL.pack(_SIG_LOCAL, 45 if size >= _U32 else 20, 0, 0, 0, 0, crc, s32, s32,
                          len(bname), len(extra)) + bname + extra
        self.f.write(hdr)
        if size:
            self.f.write(mv)
        self.pos = offset + len(hdr) + size
        self.entries.append((bname, crc, size, offset))

    def finish(self) -> None:
        cd = bytearray()
        for bname, crc, size, offset in self.entries:
            z64 = b""
            if size >= _U32:
                z64 += struct.pack("<QQ", size, size)
            if offset >= _U32:
                z64 += struct.pack("<Q", offset)
            extra = struct.pack("<HH", 1, len(z64)) + z64 if z64 else b""
            s32 = _U32 if size >= _U32 else size
            cd += _CENTRAL.pack(_SIG_CENTRAL, 45 if z64 else 20, 45 if z64 else 20, 0, 0, 0, 0,
                                crc, s32, s32, len(bname), len(extra), 0, 0, 0, 0,
                                min(offset, _U32))
            cd += bname + extra
        cd_off, cd_size, n = self.pos, len(cd), len(self.entries)
        if cd_off >= _U32 or n >= 0xFFFF or cd_size >= _U32:
            eocd64_off = cd_off + cd_size
            cd += _EOCD64.pack(_SIG_EOCD64, 44, 45, 45, 0, 0, n, n, cd_size, cd_off)
            cd += _LOC64.pack(_SIG_LOC64, 0, eocd64_off, 1)
        cd += _EOCD.pack(_SIG_EOCD, 0, 0, min(n, 0xFFFF), min(n, 0xFFFF), min(cd_size, _U32),
                         min(cd_off, _U32), 0)
        self.f.write(bytes(cd))
        self.pos += len(cd)


def _bad_name(name: str) -> bool:
    if not name or "\\" in name or "\x00" in name or name.startswith("/") or ":" in name:
        return True
    return any(part in ("..", ".") for part in name.split("/"))


class ZipReader:
    """Strict reader over a seekable binary file (``pread``-style access via ``read_at``)."""

    def __init__(self, f, size: int) -> None:
        self.f = f
        self.size = size
        self.records: dict[str, tuple[int, int, int]] = {}  # name -> (crc, size, local off)
        self._data_off: dict[str, int] = {}
        self._parse()

    def read_at(self, off: int, n: int) -> bytes:
        self.f.seek(off)
        b = self.f.read(n)
        if len(b) != n:
            raise _ZipError("unexpected end of file (truncated)")
        return b

    def _parse(self) -> None:
        size = self.size
        if size < _EOCD.size:
            raise _ZipError("file too small to be a zip archive (truncated)")
        tail_len = min(size, 65535 + _EOCD.size)
        tail = self.read_at(size - tail_len, tail_len)
        i = tail.rfind(b"PK\x05\x06")
        if i < 0 or i + _EOCD.size > len(tail):
            raise _ZipError("end of central directory not found (truncated or not a zip)")
        (_, disk, cd_disk, n_disk, n, cd_size, cd_off, clen) = _EOCD.unpack_from(tail, i)
        eocd_pos = size - tail_len + i
        if disk != 0 or cd_disk != 0 or n_disk != n:
            raise _ZipError("multi-disk archives are not supported")
        if n == 0xFFFF or cd_size == _U32 or cd_off == _U32:
            lpos = eocd_pos - _LOC64.size
            if lpos < 0:
                raise _ZipError("zip64 locator missing")
            sig, _, e64off, _ = _LOC64.unpack(self.read_at(lpos, _LOC64.size))
            if sig != _SIG_LOC64 or e64off + _EOCD64.size > lpos:
                raise _ZipError("bad zip64 locator")
            rec = _EOCD64.unpack(self.read_at(e64off, _EOCD64.size))
            if rec[0] != _SIG_EOCD64:
                raise _ZipError("bad zip64 end of central directory")
            n, cd_size, cd_off = rec[7], rec[8], rec[9]
            cd_end_limit = e64off
        else:
            cd_end_limit = eocd_pos
        if cd_off + cd_size > cd_end_limit:
            raise _ZipError("central directory out of range (truncated or corrupt)")
        if n > cd_size // _CENTRAL.size:
            raise _ZipError("central directory entry count is inconsistent")
        cd = self.read_at(cd_off, cd_size)
        p = 0
        spans = []
        for _ in range(n):
            if p + _CENTRAL.size > len(cd):
                raise _ZipError("central directory truncated")
            (sig, _, _, flags, method, _, _, crc, csize, usize, nlen, elen, clen, _, _, _,
             loff) = _CENTRAL.unpack_from(cd, p)
            if sig != _SIG_CENTRAL:
                raise _ZipError("bad central directory entry signature")
            p += _CENTRAL.size
            if p + nlen + elen + clen > len(cd):
                raise _ZipError("central directory truncated")
            raw = cd[p:p + nlen]
            extra = cd[p + nlen:p + nlen + elen]
            p += nlen + elen + clen
            try:
                name = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise _ZipError(f"invalid entry name {raw!r}") from None
            if _bad_name(name):
                raise _ZipError(f"unsafe entry name {name!r}")
            if name in self.records:
                raise _ZipError(f"duplicate entry name {name!r}")
            if method != 0:
                raise _ZipError(f"entry {name!r} is compressed (method {method}); checkpoint "
                                "records must be stored uncompressed")
            if flags & 0x1:
                raise _ZipError(f"entry {name!r} is encrypted")
            if usize == _U32 or csize == _U32 or loff == _U32:
                q = 0
                while q + 4 <= len(extra):
                    hid, hlen = struct.unpack_from("<HH", extra, q)
                    if hid == 1:
                        vals = extra[q + 4:q + 4 + hlen]
                        k = 0
                        if usize == _U32:
                            usize = struct.unpack_from("<Q", vals, k)[0]
                            k += 8
                        if csize == _U32:
                            csize = struct.unpack_from("<Q", vals, k)[0]
                            k += 8
                        if loff == _U32:
                            loff = struct.unpack_from("<Q", vals, k)[0]
                        break
                    q += 4 + hlen
            if csize != usize:
                raise _ZipError(f"entry {name!r} has inconsistent sizes")
            if loff + _LOCAL.size + nlen + usize > cd_off:
                raise _ZipError(f"entry {name!r} extends past the data area (truncated or "
                                "corrupt)")
            self.records[name] = (crc, usize, loff)
            spans.append((loff, usize, name))
        spans.sort()
        end = 0
        for loff, usize, name in spans:
            if loff < end:
                raise _ZipError(f"entry {name!r} overlaps another entry")
            end = loff + _LOCAL.size + usize
        # one top-level archive folder, as torch requires
        prefixes = {nm.split("/", 1)[0] for nm in self.records}
        if len(prefixes) > 1:
            raise _ZipError("archive has more than one top-level folder")
        self.prefix = (next(iter(prefixes)) + "/") if prefixes else ""
        self.cd_off = cd_off

    def names(self):
        """Record names without the archive prefix."""
        n = len(self.prefix)
        return [k[n:] for k in self.records]

    def has(self, name: str) -> bool:
        return (self.prefix + name) in self.records

    def info(self, name: str) -> tuple[int, int, int]:
        """(crc, size, data offset) of a record; validates its local header."""
        full = self.prefix + name
        rec = self.records.get(full)
        if rec is None:
            raise KeyError(name)
        crc, size, loff = rec
        off = self._data_off.get(full)
        if off is None:
            hdr = self.read_at(loff, _LOCAL.size)
            (sig, _, flags, method, _, _, _, _, _, nlen, elen) = _LOCAL.unpack(hdr)
            if sig != _SIG_LOCAL or method != 0:
                raise _ZipError(f"bad local header for {full!r}")
            if self.read_at(loff + _LOCAL.size, nlen) != full.encode("utf-8"):
                raise _ZipError(f"local header name does not match central directory for "
                                f"{full!r}")
            off = loff + _LOCAL.size + nlen + elen
            if off + size > self.cd_off:
                raise _ZipError(f"entry {full!r} extends past the data area (truncated or "
                                "corrupt)")
            self._data_off[full] = off
        return crc, size, off

    def read(self, name: str, limit: int | None = None) -> bytes:
        crc, size, off = self.info(name)
        if limit is not None and size > limit:
            raise _ZipError(f"record {name!r} is too large ({size} bytes)")
        data = self.read_at(off, size)
        if zlib.crc32(data) != crc:
            raise _ZipError(f"CRC mismatch in record {name!r} (corrupt)")
        return data
