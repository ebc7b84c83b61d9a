"""In-place twins of right-hand sides that end in ``return np.array([e0, e1, ...])``.

A right-hand side in the returning form allocates a new array on every evaluation; inside a
compiled kernel that allocation (and Numba's temporary list for the literal) costs about as
much as the rest of a small system's step. The most common way of writing such a function,
a single ``return np.array([...])`` of a list or tuple literal at the end of the body, has an
exact in-place equivalent::

    def f(t, y, p):                     def f(t, y, p, _odekit_out):
        a = ...                             a = ...
        return np.array([y[1], -a])         _odekit_out[0] = y[1]
                                            _odekit_out[1] = -a

:func:`inplace_twin` builds that twin from the function's source when (and only when) the
pattern is exact: no other ``return``, no ``yield``, the call is ``numpy.array`` itself with
no keywords, and the literal has one element per state. The twin runs in the function's own
globals and computes the same numbers in the same order (the kernels' output buffer never
aliases the arguments). The source read from the file must compile to the function's loaded
bytecode (an edited file is not trusted). Anything else returns None and the caller keeps
the original.
"""

from __future__ import annotations

import ast
import dis
import inspect
import textwrap
import types

import numpy as np

__all__ = ["inplace_twin"]

OUT = "_odekit_out"


def _is_np_array(node: ast.expr, globals_: dict) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "array"
            and isinstance(node.value, ast.Name) and globals_.get(node.value.id) is np)


class _Scan(ast.NodeVisitor):
    """Counts returns and yields of the function itself (not of nested functions)."""

    def __init__(self):
        self.returns = 0
        self.yields = 0
        self.uses_out = False

    def visit_Return(self, node):
        self.returns += 1
        self.generic_visit(node)

    def visit_Yield(self, node):
        self.yields += 1

    visit_YieldFrom = visit_Yield

    def visit_Name(self, node):
        if node.id == OUT:
            self.uses_out = True

    def visit_FunctionDef(self, node):  # nested definitions have their own returns
        return

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_Lambda = visit_FunctionDef
    visit_ClassDef = visit_FunctionDef


_SAME_OP = {"LOAD_METHOD": "LOAD_ATTR", "CALL_METHOD": "CALL_FUNCTION"}


def _code_signature(code: types.CodeType):
    """The operations with their arguments (jump offsets left out: the compiler picks some
    instruction forms by context, e.g. LOAD_METHOD vs LOAD_ATTR, which moves them)."""
    def arg(i):
        if i.opcode in dis.hasjrel or i.opcode in dis.hasjabs:
            return None
        if isinstance(i.argval, types.CodeType):  # a nested function
            return _code_signature(i.argval)
        return repr(i.argval)

    ops = tuple((_SAME_OP.get(i.opname, i.opname), arg(i)) for i in dis.get_instructions(code)
                if i.opname not in ("CACHE", "PRECALL"))
    return ops, code.co_names, code.co_varnames


def _source_matches(tree: ast.Module, py) -> bool:
    """Whether the source text read now compiles to the function's loaded bytecode."""
    try:
        code = compile(tree, py.__code__.co_filename, "exec")
    except SyntaxError:
        return False
    fcode = next((c for c in code.co_consts if isinstance(c, types.CodeType)), None)
    return fcode is not None and _code_signature(fcode) == _code_signature(py.__code__)


def inplace_twin(py, n: int):
    """An in-place Python twin ``f(t, y, p, out)`` of ``py``, or None (see module docs)."""
    if not isinstance(py, types.FunctionType) or py.__closure__ is not None:
        return None
    try:
        source = textwrap.dedent(inspect.getsource(py))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError, IndentationError):
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.FunctionDef):
        return None
    ast.increment_lineno(tree, py.__code__.co_firstlineno - 1)  # positions as in the file
    if not _source_matches(tree, py):  # the file was edited after the function was loaded
        return None
    fdef = tree.body[0]
    a = fdef.args
    if (fdef.name != py.__name__ or len(a.args) != 3 or a.posonlyargs or a.vararg
            or a.kwonlyargs or a.kwarg or a.defaults):
        return None
    scan = _Scan()
    for stmt in fdef.body:
        scan.visit(stmt)
    last = fdef.body[-1]
    if scan.returns != 1 or scan.yields or scan.uses_out or not isinstance(last, ast.Return):
        return None
    call = last.value
    if not (isinstance(call, ast.Call) and _is_np_array(call.func, py.__globals__)
            and len(call.args) == 1 and not call.keywords
            and isinstance(call.args[0], (ast.List, ast.Tuple))
            and len(call.args[0].elts) == n
            and not any(isinstance(e, ast.Starred) for e in call.args[0].elts)):
        return None
    stores = [ast.Assign(targets=[ast.Subscript(value=ast.Name(id=OUT, ctx=ast.Load()),
                                                slice=ast.Constant(value=i), ctx=ast.Store())],
                         value=e) for i, e in enumerate(call.args[0].elts)]
    fdef.body = fdef.body[:-1] + stores
    fdef.args.args.append(ast.arg(arg=OUT))
    fdef.decorator_list = []
    ast.fix_missing_locations(tree)
    try:
        code = compile(tree, py.__code__.co_filename, "exec")
    except SyntaxError:  # pragma: no cover - the original compiled, so should the twin
        return None
    fcode = next(c for c in code.co_consts if isinstance(c, types.CodeType))
    twin = types.FunctionType(fcode, py.__globals__, py.__name__)
    twin.__qualname__ = py.__qualname__ + "[in-place]"
    twin.__module__ = py.__module__
    return twin
