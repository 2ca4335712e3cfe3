"""The ``weights_only`` unpickler: an opcode interpreter with an allow list.

Like torch's ``_weights_only_unpickler.Unpickler`` it never calls
``pickle.Unpickler.find_class``: each opcode is checked here, ``GLOBAL`` resolves only
exact ``module.name`` strings from the allow list (no attribute traversal, so
``torch._utils.__builtins__`` style paths cannot reach anything), ``REDUCE``/``NEWOBJ``
call only allow-listed objects, ``BUILD`` applies state only to allow-listed types,
``SETITEM(S)``/``APPEND(S)``/``ADDITEMS`` only touch real dicts/lists/sets, and
persistent ids must be storage tuples.  ``INST``, ``OBJ``, ``NEWOBJ_EX``,
``STACK_GLOBAL``, ``EXT*`` and the text protocol-0 opcodes are rejected.
"""

from __future__ import annotations

import struct
from collections import Counter, OrderedDict

_unpack_i = struct.Struct("<i").unpack_from
_unpack_I = struct.Struct("<I").unpack_from
_unpack_H = struct.Struct("<H").unpack_from
_unpack_Q = struct.Struct("<Q").unpack_from
_unpack_d = struct.Struct(">d").unpack_from

_MAX_LONG = 1 << 16  # bytes in a LONG4


class _Corrupt(Exception):
    """Structural problem in the pickle stream (truncated, stack underflow...)."""


class _Rejected(Exception):
    """The stream asks for something the allow list does not permit."""


_OPNAMES = {
    b"(": "MARK", b".": "STOP", b"0": "POP", b"1": "POP_MARK", b"2": "DUP", b"F": "FLOAT",
    b"I": "INT", b"J": "BININT", b"K": "BININT1", b"L": "LONG", b"M": "BININT2", b"N": "NONE",
    b"P": "PERSID", b"Q": "BINPERSID", b"R": "REDUCE", b"S": "STRING", b"T": "BINSTRING",
    b"U": "SHORT_BINSTRING", b"V": "UNICODE", b"X": "BINUNICODE", b"a": "APPEND",
    b"b": "BUILD", b"c": "GLOBAL", b"d": "DICT", b"}": "EMPTY_DICT", b"e": "APPENDS",
    b"g": "GET", b"h": "BINGET", b"i": "INST", b"j": "LONG_BINGET", b"l": "LIST",
    b"]": "EMPTY_LIST", b"o": "OBJ", b"p": "PUT", b"q": "BINPUT", b"r": "LONG_BINPUT",
    b"s": "SETITEM", b"t": "TUPLE", b")": "EMPTY_TUPLE", b"u": "SETITEMS", b"G": "BINFLOAT",
    b"\x80": "PROTO", b"\x81": "NEWOBJ", b"\x82": "EXT1", b"\x83": "EXT2", b"\x84": "EXT4",
    b"\x85": "TUPLE1", b"\x86": "TUPLE2", b"\x87": "TUPLE3", b"\x88": "NEWTRUE",
    b"\x89": "NEWFALSE", b"\x8a": "LONG1", b"\x8b": "LONG4", b"B": "BINBYTES",
    b"C": "SHORT_BINBYTES", b"\x8c": "SHORT_BINUNICODE", b"\x8d": "BINUNICODE8",
    b"\x8e": "BINBYTES8", b"\x8f": "EMPTY_SET", b"\x90": "ADDITEMS", b"\x91": "FROZENSET",
    b"\x92": "NEWOBJ_EX", b"\x93": "STACK_GLOBAL", b"\x94": "MEMOIZE", b"\x95": "FRAME",
    b"\x96": "BYTEARRAY8", b"\x97": "NEXT_BUFFER", b"\x98": "READONLY_BUFFER",
}

_PY2_MODULES = {"__builtin__": "builtins", "copy_reg": "copyreg"}


def _fmt(full: str) -> str:
    return full[len("builtins."):] if full.startswith("builtins.") else full


class RestrictedUnpickler:
    """Interprets a protocol 0-5 pickle held in memory, restricted to an allow list.

    ``globals_``: {"module.name": object}; ``persistent_load(pid)`` builds storages;
    ``build_ok(inst)`` tells whether BUILD may apply state to ``inst``; ``newobj(cls,
    args)`` constructs allow-listed classes.
    """

    def __init__(self, data, pos: int, globals_: dict, persistent_load, build, encoding="ASCII"):
        self.data = data if isinstance(data, (bytes, bytearray)) else bytes(data)
        self.pos = pos
        self.globals = globals_
        self.allowed_ids = {id(v) for v in globals_.values()}
        self.persistent_load = persistent_load
        self.build = build
        self.encoding = encoding

    def _read(self, n: int) -> bytes:
        p = self.pos
        e = p + n
        if n < 0 or e > len(self.data):
            raise _Corrupt("pickle data is truncated")
        self.pos = e
        return self.data[p:e]

    def _readline(self) -> bytes:
        i = self.data.find(b"\n", self.pos, self.pos + 1024)
        if i < 0:
            raise _Corrupt("pickle data is truncated (unterminated GLOBAL)")
        line = self.data[self.pos:i]
        self.pos = i + 1
        return line

    def _pop_mark(self):
        items = self.stack
        if not self.metastack:
            raise _Corrupt("MARK missing")
        self.stack = self.metastack.pop()
        return items

    def _pop(self):
        if not self.stack:
            raise _Corrupt("stack underflow")
        return self.stack.pop()

    def _top(self):
        if not self.stack:
            raise _Corrupt("stack underflow")
        return self.stack[-1]

    def _allowed(self, obj) -> bool:
        return id(obj) in self.allowed_ids

    def _check_mapping(self, op: str):
        target = self._top()
        if type(target) not in (dict, OrderedDict, Counter):
            raise _Rejected(f"{op} can only set items of a dict/OrderedDict, but the target "
                            f"is {type(target).__name__}")
        return target

    def load(self):
        self.stack = []
        self.metastack = []
        memo = {}
        data = self.data
        read = self._read
        while True:
            if self.pos >= len(data):
                raise _Corrupt("pickle data is truncated (no STOP opcode)")
            key = data[self.pos:self.pos + 1]
            self.pos += 1
            stack = self.stack
            if key == b"q":  # BINPUT
                memo[read(1)[0]] = self._top()
            elif key == b"h":  # BINGET
                i = read(1)[0]
                if i not in memo:
                    raise _Corrupt(f"memo key {i} missing")
                stack.append(memo[i])
            elif key == b"X":  # BINUNICODE
                n = _unpack_I(read(4))[0]
                stack.append(str(read(n), "utf-8", "surrogatepass"))
            elif key == b"\x8c":  # SHORT_BINUNICODE
                n = read(1)[0]
                stack.append(str(read(n), "utf-8", "surrogatepass"))
            elif key == b"K":
                stack.append(read(1)[0])
            elif key == b"M":
                stack.append(_unpack_H(read(2))[0])
            elif key == b"J":
                stack.append(_unpack_i(read(4))[0])
            elif key == b"\x8a":  # LONG1
                n = read(1)[0]
                stack.append(int.from_bytes(read(n), "little", signed=True))
            elif key == b"\x8b":  # LONG4
                n = _unpack_i(read(4))[0]
                if n < 0 or n > _MAX_LONG:
                    raise _Rejected(f"LONG4 of {n} bytes is not allowed")
                stack.append(int.from_bytes(read(n), "little", signed=True))
            elif key == b"G":
                stack.append(_unpack_d(read(8))[0])
            elif key == b"(":
                self.metastack.append(stack)
                self.stack = []
            elif key == b"t":
                stack = self._pop_mark()
                self.stack.append(tuple(stack))
            elif key == b")":
                stack.append(())
            elif key == b"\x85":
                stack.append((self._pop(),))
            elif key == b"\x86":
                b = self._pop()
                a = self._pop()
                stack.append((a, b))
            elif key == b"\x87":
                c = self._pop()
                b = self._pop()
                a = self._pop()
                stack.append((a, b, c))
            elif key == b"N":
                stack.append(None)
            elif key == b"\x88":
                stack.append(True)
            elif key == b"\x89":
                stack.append(False)
            elif key == b"}":
                stack.append({})
            elif key == b"]":
                stack.append([])
            elif key == b"\x8f":
                stack.append(set())
            elif key == b"r":  # LONG_BINPUT
                memo[_unpack_I(read(4))[0]] = self._top()
            elif key == b"j":  # LONG_BINGET
                i = _unpack_I(read(4))[0]
                if i not in memo:
                    raise _Corrupt(f"memo key {i} missing")
                stack.append(memo[i])
            elif key == b"\x94":  # MEMOIZE
                memo[len(memo)] = self._top()
            elif key == b"\x95":  # FRAME: framing is only a buffering hint
                read(8)
            elif key == b"s":  # SETITEM
                v = self._pop()
                k = self._pop()
                self._check_mapping("SETITEM")[k] = v
            elif key == b"u":  # SETITEMS
                items = self._pop_mark()
                target = self._check_mapping("SETITEMS")
                if len(items) % 2:
                    raise _Corrupt("odd number of items for SETITEMS")
                for i in range(0, len(items), 2):
                    target[items[i]] = items[i + 1]
            elif key == b"a":  # APPEND
                v = self._pop()
                target = self._top()
                if type(target) is not list:
                    raise _Rejected(f"APPEND can only append to a list, but the target is "
                                    f"{type(target).__name__}")
                target.append(v)
            elif key == b"e":  # APPENDS
                items = self._pop_mark()
                target = self._top()
                if type(target) is not list:
                    raise _Rejected(f"APPENDS can only extend a list, but the target is "
                                    f"{type(target).__name__}")
                target.extend(items)
            elif key == b"\x90":  # ADDITEMS
                items = self._pop_mark()
                target = self._top()
                if type(target) is not set:
                    raise _Rejected(f"ADDITEMS can only add to a set, but the target is "
                                    f"{type(target).__name__}")
                target.update(items)
            elif key == b"\x91":  # FROZENSET
                stack = self._pop_mark()
                self.stack.append(frozenset(stack))
            elif key == b"l":  # LIST
                stack = self._pop_mark()
                self.stack.append(list(stack))
            elif key == b"d":  # DICT
                items = self._pop_mark()
                if len(items) % 2:
                    raise _Corrupt("odd number of items for DICT")
                self.stack.append({items[i]: items[i + 1] for i in range(0, len(items), 2)})
            elif key == b"0":  # POP
                if stack:
                    stack.pop()
                else:
                    self._pop_mark()
            elif key == b"1":  # POP_MARK
                self._pop_mark()
            elif key == b"2":  # DUP
                stack.append(self._top())
            elif key == b"c":  # GLOBAL
                module = self._readline().decode("utf-8")
                name = self._readline().decode("utf-8")
                module = _PY2_MODULES.get(module, module)
                full = f"{module}.{name}"
                obj = self.globals.get(full)
                if obj is None:
                    raise _Rejected(
                        f"Unsupported global: GLOBAL {_fmt(full)} is not an allowed global. "
                        f"If you trust this file, allow it with "
                        f"`ember.serialization.add_safe_globals([{_fmt(full)}])` or the "
                        f"`ember.serialization.safe_globals([...])` context manager, or load "
                        f"with weights_only=False (unsafe: runs arbitrary code).")
                stack.append(obj)
            elif key == b"R":  # REDUCE
                args = self._pop()
                func = self._top()
                if not self._allowed(func):
                    raise _Rejected(f"REDUCE of {func!r}, which is not an allowed callable")
                if type(args) is not tuple:
                    raise _Corrupt("REDUCE arguments are not a tuple")
                self.stack[-1] = func(*args)
            elif key == b"\x81":  # NEWOBJ
                args = self._pop()
                cls = self._pop()
                if not self._allowed(cls) or not isinstance(cls, type):
                    raise _Rejected(f"NEWOBJ of {cls!r}, which is not an allowed class")
                if type(args) is not tuple:
                    raise _Corrupt("NEWOBJ arguments are not a tuple")
                stack.append(self.build(None, cls, args))
            elif key == b"b":  # BUILD
                state = self._pop()
                inst = self._top()
                self.build(inst, None, state)
            elif key == b"Q":  # BINPERSID
                pid = self._pop()
                if type(pid) is not tuple or not pid or pid[0] not in ("storage", b"storage"):
                    raise _Rejected(f"persistent id {pid!r:.80} is not a storage; only "
                                    "storages may be loaded by persistent id")
                stack.append(self.persistent_load(pid))
            elif key == b"U":  # SHORT_BINSTRING (py2 str)
                n = read(1)[0]
                stack.append(self._decode_str(read(n)))
            elif key == b"T":  # BINSTRING
                n = _unpack_i(read(4))[0]
                stack.append(self._decode_str(read(n)))
            elif key == b"C":  # SHORT_BINBYTES
                stack.append(bytes(read(read(1)[0])))
            elif key == b"B":  # BINBYTES
                stack.append(bytes(read(_unpack_I(read(4))[0])))
            elif key == b"\x8e":  # BINBYTES8
                stack.append(bytes(read(_unpack_Q(read(8))[0])))
            elif key == b"\x8d":  # BINUNICODE8
                stack.append(str(read(_unpack_Q(read(8))[0]), "utf-8", "surrogatepass"))
            elif key == b"\x80":  # PROTO
                proto = read(1)[0]
                if proto > 5:
                    raise _Corrupt(f"unsupported pickle protocol {proto}")
            elif key == b".":  # STOP
                if len(self.stack) != 1 or self.metastack:
                    if not self.stack:
                        raise _Corrupt("stack underflow at STOP")
                return self.stack.pop()
            else:
                name = _OPNAMES.get(key)
                if name is None:
                    raise _Corrupt(f"invalid pickle opcode {key!r}")
                raise _Rejected(f"Unsupported opcode {name} ({key!r}): not allowed by the "
                                "weights_only unpickler")

    def _decode_str(self, b: bytes):
        if self.encoding == "bytes":
            return b
        return b.decode(self.encoding, "strict")
