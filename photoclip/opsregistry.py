"""The registry of the library's operations (ops.py says what they are): each is declared once with
`@operation`, and the socket dispatch, the clients and the parameter checks derive from `OPERATIONS`.  ops.py,
ops_people.py and ops_places.py declare them."""
from __future__ import annotations

import inspect
import types
import typing
from dataclasses import dataclass
from typing import Callable

from .errors import ServiceStopped, UsageError


@dataclass(frozen=True)
class Operation:
    name: str
    func: Callable[..., dict]
    write: bool  # changes the library: the service's worker runs it (or a client under the library's lock)
    needs_service: bool  # only a running service can do it

    def __call__(self, lib, **params) -> dict:
        return self.func(lib, **params)


OPERATIONS: dict[str, Operation] = {}


def operation(*, write: bool = False, needs_service: bool = False):
    """Declare an operation: its name is the function's, its parameters the function's (checked by
    `check_params` for requests from other processes)."""
    def register(func):
        OPERATIONS[func.__name__] = Operation(func.__name__, func, write, needs_service)
        return func
    return register


def get(name: str) -> Operation:
    op = OPERATIONS.get(name)
    if op is None:
        raise UsageError(f"photoclip does not know the request {name!r}.")
    return op


def photo_at(lib, path: str):
    """The library's photo at `path` (~ and relative paths allowed); UsageError, one sentence, when it is none."""
    import os

    photo = lib.catalog.photo_by_path(os.path.abspath(os.path.expanduser(path)))
    if photo is None:
        raise UsageError(f"{path} is not a photo of the library; see photoclip folders list.")
    return photo


def _host(lib):
    host = getattr(lib, "host", None)
    if host is None:
        raise ServiceStopped("No photoclip watch or window is running for this library; start one with: "
                             "photoclip watch")
    return host


# -- requests from other processes ------------------------------------------------------------------
def check_params(op: str, func, params) -> dict:
    """The parameters of a request from another process, checked against the operation's own signature: no
    unknown or missing names, each value of its declared type.  UsageError (one sentence) otherwise."""
    if not isinstance(params, dict):
        raise UsageError(f"The parameters of {op} must be an object of names and values.")
    sig = inspect.signature(func)
    hints = typing.get_type_hints(func)
    names = list(sig.parameters)[1:]  # the first is the library
    for name in params:
        if name not in names:
            raise UsageError(f"{op} takes no parameter {name!r}; it takes {', '.join(names) or 'none'}.")
    for name in names:
        if name not in params and sig.parameters[name].default is inspect.Parameter.empty:
            raise UsageError(f"{op} needs the parameter {name!r}.")
        if name in params and not _fits(params[name], hints.get(name, typing.Any)):
            raise UsageError(f"The parameter {name!r} of {op} must be {_describe(hints[name])}.")
    return params


def _fits(value, hint) -> bool:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is typing.Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, a) for a in args)
    if hint is type(None):
        return value is None
    if origin in (list, tuple) or hint in (list, tuple):
        return isinstance(value, list) and all(_fits(v, args[0]) for v in value) if args else isinstance(value, list)
    if hint is dict or origin is dict:
        return isinstance(value, dict)
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, hint) if isinstance(hint, type) else True


def _describe(hint) -> str:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in args)
    if origin in (list, tuple):
        return f"a list of {_describe(args[0])}s" if args else "a list"
    return {str: "text", int: "a whole number", float: "a number", bool: "true or false", dict: "an object",
            type(None): "null"}.get(hint, getattr(hint, "__name__", str(hint)))
