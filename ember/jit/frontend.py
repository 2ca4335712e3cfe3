"""The TorchScript language check (``torch.jit.frontend``): which Python ``script`` accepts.

torch's frontend builds its IR from the Python ``ast`` with one builder per node type;
a node type with no builder raises ``UnsupportedNodeError`` ("try blocks aren't
supported"), and a few builders reject forms of a supported node (``*args``, ``else``
on loops, ``{**d}``...).  ``check_function`` walks the same tree and raises the same
error types with torch's messages; it does not type-check (ember runs the Python).
"""

from __future__ import annotations

import ast
import inspect
import textwrap

__all__ = ["FrontendError", "NotSupportedError", "UnsupportedNodeError", "check_function",
           "get_def"]

_PRETTY = {
    ast.FunctionDef: "function definitions", ast.For: "for loops", ast.Delete: "del statements",
    ast.ClassDef: "class definitions", ast.With: "with statements",
    ast.Raise: "raise statements", ast.Assert: "assertions", ast.Import: "import statements",
    ast.ImportFrom: "import statements", ast.Global: "global variables",
    ast.Break: "break statements", ast.Continue: "continue statements",
    ast.AsyncFunctionDef: "async function definitions", ast.AsyncFor: "async for loops",
    ast.AsyncWith: "async with statements", ast.Try: "try blocks",
    ast.Nonlocal: "nonlocal variables", ast.AnnAssign: "annotated assignments",
}
_TOKENS = {
    ast.FunctionDef: "def", ast.For: "for", ast.Delete: "del", ast.ClassDef: "class",
    ast.With: "with", ast.Raise: "raise", ast.Assert: "assert", ast.Import: "import",
    ast.ImportFrom: "from", ast.Global: "global", ast.Break: "break",
    ast.Continue: "continue", ast.AsyncFunctionDef: "async def", ast.AsyncFor: "async for",
    ast.AsyncWith: "async with", ast.Try: "try", ast.Nonlocal: "nonlocal",
}
_STMTS = {"Expr", "Assign", "AnnAssign", "Delete", "Return", "Raise", "Assert", "AugAssign",
          "While", "For", "If", "Pass", "Break", "Continue", "With"}
_EXPRS = {"Attribute", "Call", "Name", "Constant", "BinOp", "UnaryOp", "BoolOp", "IfExp",
          "Compare", "Subscript", "List", "Tuple", "Dict", "JoinedStr", "ListComp",
          "GeneratorExp", "DictComp", "Starred", "Slice"}
_AUG = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Mod, ast.BitOr, ast.BitAnd, ast.BitXor,
        ast.LShift, ast.RShift, ast.Pow)
_BIN = _AUG + (ast.FloorDiv, ast.MatMult)
_UN = (ast.Not, ast.USub, ast.Invert)
_VARARG = ("Compiled functions can't take variable number of arguments or use keyword-only "
           "arguments with defaults")


class FrontendError(Exception):
    """A construct outside the TorchScript subset; the message points at the source."""

    def __init__(self, source_range, msg) -> None:
        self.source_range = source_range
        self.msg = msg
        super().__init__(msg)

    def __str__(self) -> str:
        if self.source_range is None:
            return self.msg
        return self.msg + ":\n" + self.source_range


class NotSupportedError(FrontendError):
    pass


class UnsupportedNodeError(NotSupportedError):
    def __init__(self, ctx, node, reason: str = "") -> None:
        name = _PRETTY.get(type(node), type(node).__name__)
        msg = f"{name} {reason + ' ' if reason else ''}aren't supported"
        super().__init__(ctx.where(node, len(_TOKENS.get(type(node), " "))), msg)


class _Ctx:
    def __init__(self, lines: list[str], filename: str, first_line: int) -> None:
        self.lines, self.filename, self.first = lines, filename, first_line

    def where(self, node, width: int = 1) -> str | None:
        if node is None or not hasattr(node, "lineno"):
            return None
        i = node.lineno - 1
        text = self.lines[i] if 0 <= i < len(self.lines) else ""
        col = node.col_offset
        return (f'  File "{self.filename}", line {self.first + i}\n{text}\n'
                f"{' ' * col}{'~' * max(width, 1)} <--- HERE\n")


def get_def(fn) -> tuple[ast.FunctionDef, _Ctx]:
    """The dedented ``FunctionDef`` of ``fn`` and its source context."""
    try:
        lines, first = inspect.getsourcelines(fn)
        filename = inspect.getsourcefile(fn) or "<unknown>"
    except (OSError, TypeError):
        raise OSError(f"Can't get source for {fn}. TorchScript requires source access in "
                      "order to carry out compilation, make sure original .py files are "
                      "available.") from None
    src = textwrap.dedent("".join(lines))
    tree = ast.parse(src)
    fdef = tree.body[0]
    if not isinstance(fdef, (ast.FunctionDef, ast.AsyncFunctionDef)):
        raise RuntimeError(f"Expected a single top-level function: {fn}")
    return fdef, _Ctx(src.split("\n"), filename, first)


def check_function(fn) -> ast.FunctionDef:
    """Raise torch's frontend error if ``fn``'s source leaves the TorchScript subset."""
    fdef, ctx = get_def(fn)
    if isinstance(fdef, ast.AsyncFunctionDef):
        raise UnsupportedNodeError(ctx, fdef)
    _check_params(ctx, fdef.args)
    for stmt in fdef.body:
        _stmt(ctx, stmt)
    return fdef


def _check_params(ctx, args: ast.arguments) -> None:
    if args.kwarg is not None:
        raise NotSupportedError(ctx.where(args.kwarg, len(args.kwarg.arg) + 1), _VARARG)
    if args.vararg is not None:
        raise NotSupportedError(ctx.where(args.vararg, len(args.vararg.arg) + 1), _VARARG)
    for d in args.kw_defaults:
        if d is not None:
            raise NotSupportedError(ctx.where(d), _VARARG)


def _stmts(ctx, body) -> None:
    for s in body:
        _stmt(ctx, s)


def _stmt(ctx, s) -> None:
    name = type(s).__name__
    if name not in _STMTS:
        raise UnsupportedNodeError(ctx, s)
    if isinstance(s, ast.Expr):
        _expr(ctx, s.value)
    elif isinstance(s, ast.Assign):
        _expr(ctx, s.value)
        for t in s.targets:
            _expr(ctx, t)
    elif isinstance(s, ast.AnnAssign):
        if s.value is None:
            raise UnsupportedNodeError(ctx, s, reason="without assigned value")
        _expr(ctx, s.value)
        _expr(ctx, s.target)
    elif isinstance(s, ast.Delete):
        for t in s.targets:
            _expr(ctx, t)
    elif isinstance(s, ast.Return):
        if s.value is not None:
            _expr(ctx, s.value)
    elif isinstance(s, ast.Raise):
        if s.exc is not None:
            _expr(ctx, s.exc)
    elif isinstance(s, ast.Assert):
        _expr(ctx, s.test)
        if s.msg is not None:
            _expr(ctx, s.msg)
    elif isinstance(s, ast.AugAssign):
        _expr(ctx, s.target)
        _expr(ctx, s.value)
        if not isinstance(s.op, _AUG):
            raise NotSupportedError(ctx.where(s.value),
                                    "unsupported kind of augmented assignment: "
                                    + type(s.op).__name__)
    elif isinstance(s, ast.While):
        if s.orelse:
            raise NotSupportedError(None, "else branches of while loops aren't supported")
        _expr(ctx, s.test)
        _stmts(ctx, s.body)
    elif isinstance(s, ast.For):
        if s.orelse:
            raise NotSupportedError(ctx.where(s, 3), "else branches of for loops aren't "
                                    "supported")
        _expr(ctx, s.target)
        _expr(ctx, s.iter)
        _stmts(ctx, s.body)
    elif isinstance(s, ast.If):
        _expr(ctx, s.test)
        _stmts(ctx, s.body)
        _stmts(ctx, s.orelse)
    elif isinstance(s, ast.With):
        for item in s.items:
            _expr(ctx, item.context_expr)
            if item.optional_vars is not None:
                _expr(ctx, item.optional_vars)
        _stmts(ctx, s.body)


def _expr(ctx, e) -> None:
    name = type(e).__name__
    if name not in _EXPRS:
        raise UnsupportedNodeError(ctx, e)
    if isinstance(e, ast.Name):
        if e.id.startswith("__jit"):
            raise NotSupportedError(ctx.where(e, len(e.id)),
                                    "names of variables used in JIT-ed functions can't start "
                                    "with __jit")
    elif isinstance(e, ast.Attribute):
        _expr(ctx, e.value)
    elif isinstance(e, ast.Call):
        _expr(ctx, e.func)
        for a in e.args:
            _expr(ctx, a)
        for kw in e.keywords:
            _expr(ctx, kw.value)
            if kw.arg is None:
                raise NotSupportedError(ctx.where(kw.value),
                                        "keyword-arg expansion is not supported")
    elif isinstance(e, ast.BinOp):
        _expr(ctx, e.left)
        _expr(ctx, e.right)
        if not isinstance(e.op, _BIN):
            raise NotSupportedError(ctx.where(e.right), "unsupported binary operator: "
                                    + type(e.op).__name__)
    elif isinstance(e, ast.UnaryOp):
        _expr(ctx, e.operand)
        if not isinstance(e.op, _UN):
            raise NotSupportedError(ctx.where(e), "unsupported unary operator: "
                                    + type(e.op).__name__)
    elif isinstance(e, ast.BoolOp):
        for v in e.values:
            _expr(ctx, v)
    elif isinstance(e, ast.IfExp):
        _expr(ctx, e.test)
        _expr(ctx, e.body)
        _expr(ctx, e.orelse)
    elif isinstance(e, ast.Compare):
        _expr(ctx, e.left)
        for c in e.comparators:
            _expr(ctx, c)
    elif isinstance(e, ast.Subscript):
        _expr(ctx, e.value)
        _expr(ctx, e.slice)
    elif isinstance(e, ast.Slice):
        for part in (e.lower, e.upper, e.step):
            if part is not None:
                _expr(ctx, part)
    elif isinstance(e, (ast.List, ast.Tuple)):
        for x in e.elts:
            _expr(ctx, x)
    elif isinstance(e, ast.Dict):
        if e.keys and e.keys[0] is None:
            raise NotSupportedError(ctx.where(e), "Dict expansion (e.g. `{**dict}`) is not "
                                    "supported")
        for k, v in zip(e.keys, e.values):
            if k is not None:
                _expr(ctx, k)
            _expr(ctx, v)
    elif isinstance(e, ast.JoinedStr):
        for v in e.values:
            if isinstance(v, ast.FormattedValue):
                if v.conversion != -1:
                    raise NotSupportedError(ctx.where(e), "Don't support conversion in "
                                            "JoinedStr")
                if v.format_spec is not None:
                    raise NotSupportedError(ctx.where(e), "Don't support formatting in "
                                            "JoinedStr")
                _expr(ctx, v.value)
            elif not isinstance(v, ast.Constant):
                raise NotSupportedError(ctx.where(e), "Unsupported value in JoinedStr")
    elif isinstance(e, (ast.ListComp, ast.GeneratorExp, ast.DictComp)):
        if len(e.generators) != 1:
            raise NotSupportedError(ctx.where(e), "Only a single generator is currently "
                                    "supported")
        gen = e.generators[0]
        if gen.ifs:
            raise NotSupportedError(ctx.where(e), "Comprehension ifs are not supported yet")
        _expr(ctx, gen.target)
        _expr(ctx, gen.iter)
        if isinstance(e, ast.DictComp):
            _expr(ctx, e.key)
            _expr(ctx, e.value)
        else:
            _expr(ctx, e.elt)
    elif isinstance(e, ast.Starred):
        _expr(ctx, e.value)
