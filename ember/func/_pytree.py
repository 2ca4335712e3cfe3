"""A small pytree: nested tuples, lists, dicts and namedtuples of leaves.

``None`` is an empty node (no leaf), as in ``torch.utils._pytree``; anything else
that is not a container is a leaf.
"""

from __future__ import annotations

from typing import Any


class TreeSpec:
    """The structure of a flattened tree: a node kind, its context and child specs."""

    __slots__ = ("kind", "context", "children")

    def __init__(self, kind: str, context: Any = None, children: tuple = ()) -> None:
        self.kind = kind
        self.context = context
        self.children = children

    @property
    def num_leaves(self) -> int:
        if self.kind == "leaf":
            return 1
        return sum(c.num_leaves for c in self.children)

    def __eq__(self, other) -> bool:
        return (isinstance(other, TreeSpec) and self.kind == other.kind
                and self.context == other.context and self.children == other.children)

    def __repr__(self) -> str:
        if self.kind == "leaf":
            return "*"
        if self.kind == "none":
            return "None"
        inner = ", ".join(repr(c) for c in self.children)
        if self.kind == "dict":
            inner = ", ".join(f"{k!r}: {c!r}" for k, c in zip(self.context, self.children))
            return "{" + inner + "}"
        if self.kind == "list":
            return "[" + inner + "]"
        if self.kind == "namedtuple":
            return f"{self.context.__name__}({inner})"
        return "(" + inner + (",)" if len(self.children) == 1 else ")")


LEAF = TreeSpec("leaf")


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _children(tree):
    """``(kind, context, children)`` of a node, or None for a leaf."""
    if tree is None:
        return "none", None, ()
    if _is_namedtuple(tree):
        return "namedtuple", type(tree), tuple(tree)
    if isinstance(tree, tuple):
        return "tuple", None, tree
    if isinstance(tree, list):
        return "list", None, tuple(tree)
    if isinstance(tree, dict):
        keys = tuple(tree.keys())
        return "dict", keys, tuple(tree[k] for k in keys)
    return None


def tree_flatten(tree) -> tuple[list, TreeSpec]:
    """``(leaves, spec)`` of ``tree``."""
    leaves: list = []

    def walk(t):
        node = _children(t)
        if node is None:
            leaves.append(t)
            return LEAF
        kind, ctx, kids = node
        return TreeSpec(kind, ctx, tuple(walk(k) for k in kids))

    spec = walk(tree)
    return leaves, spec


def tree_unflatten(leaves, spec: TreeSpec):
    """Inverse of ``tree_flatten``."""
    it = iter(leaves)

    def build(s: TreeSpec):
        if s.kind == "leaf":
            return next(it)
        if s.kind == "none":
            return None
        kids = [build(c) for c in s.children]
        if s.kind == "tuple":
            return tuple(kids)
        if s.kind == "list":
            return kids
        if s.kind == "namedtuple":
            return s.context(*kids)
        return dict(zip(s.context, kids))

    return build(spec)


def tree_map(fn, tree):
    leaves, spec = tree_flatten(tree)
    return tree_unflatten([fn(x) for x in leaves], spec)


def broadcast_prefix(prefix, spec: TreeSpec) -> list | None:
    """Leaves of ``prefix`` repeated over the matching subtrees of ``spec`` (a leaf of the
    prefix covers a whole subtree); None if the prefix does not match the structure."""
    out: list = []

    def walk(p, s: TreeSpec) -> bool:
        node = _children(p)
        if node is None or (p is None and s.kind != "none"):
            out.extend([p] * s.num_leaves)  # a leaf (or None) covers the whole subtree
            return True
        kind, ctx, kids = node
        if s.kind == "leaf":
            return False
        if kind != s.kind and not {kind, s.kind} <= {"tuple", "namedtuple"}:
            return False
        if kind == "dict" and set(ctx) != set(s.context):
            return False
        if kind == "dict":
            kids = tuple(p[k] for k in s.context)
        if len(kids) != len(s.children):
            return False
        return all(walk(k, c) for k, c in zip(kids, s.children))

    return out if walk(prefix, spec) else None
