"""Checks of plain arguments shared by the embedded engine and the HTTP client, so that a wrong
type or an unknown keyword is a ragdb.InvalidArgument naming the argument (also a TypeError /
ValueError, as Python code expects) and never a crash deeper down."""
import functools
import inspect
import operator
import os

import numpy as np

from .errors import InvalidArgument


def uint(name, value):
    """An int >= 0 (numpy integers too; not bool)."""
    if type(value) is int and value >= 0:  # the common case, first: it is on every search
        return value
    if isinstance(value, bool):
        raise InvalidArgument(f"{name}: expected an int >= 0, got a bool")
    try:
        n = operator.index(value)
    except TypeError:
        raise InvalidArgument(f"{name}: expected an int >= 0, got {type(value).__name__}") from None
    if n < 0:
        raise InvalidArgument(f"{name}: expected an int >= 0, got {n}")
    return n


def opt_uint(name, value):
    return None if value is None else uint(name, value)


def text(name, value, optional=False):
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise InvalidArgument(f"{name}: expected a str, got {type(value).__name__}")
    return value


def path(name, value):
    """A str or os.PathLike, as a str."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    return text(name, value)


def is_single_id(value):
    return isinstance(value, (str, int, np.integer)) and not isinstance(value, bool)


def paths(items):
    """ingest()'s paths: str / os.PathLike, or lists of them."""
    out = []
    for p in items:
        if isinstance(p, (list, tuple)):
            out.extend(paths(p))
        else:
            out.append(path("paths", p))
    if not out:
        raise InvalidArgument("paths: give at least one file or folder")
    return out


def history(turns):
    """ask()'s conversation: [{"role", "content"}] or [(role, content)], oldest first."""
    out = []
    for t in turns or ():
        if isinstance(t, dict) and set(t) == {"role", "content"}:
            out.append((text("history.role", t["role"]), text("history.content", t["content"])))
        elif isinstance(t, (tuple, list)) and len(t) == 2:
            out.append((text("history.role", t[0]), text("history.content", t[1])))
        else:
            raise InvalidArgument("history: expected {\"role\", \"content\"} items")
    return out


def strict(cls):
    """Makes every public method of `cls` raise InvalidArgument (still a TypeError) for an
    unknown keyword or a missing argument, instead of a bare TypeError."""
    for name, fn in list(vars(cls).items()):
        if name.startswith("_") or not inspect.isfunction(fn):
            continue
        setattr(cls, name, _strict_call(fn))
    return cls


def _strict_call(fn):
    @functools.wraps(fn)
    def call(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except TypeError as e:
            # Only the failure to bind the arguments: raised before fn's own frame ran.
            if isinstance(e, InvalidArgument) or e.__traceback__.tb_next is not None:
                raise
            raise InvalidArgument(str(e)) from None
    return call
