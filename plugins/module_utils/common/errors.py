# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors classified by exception type: a bug in our code is an internal error, never a device fault.

``is_internal_error(exc)`` is true for the exception types a programming error raises
(``TypeError``, ``KeyError``, ``AttributeError``, ``IndexError``, ``NameError``, ``AssertionError``,
``ZeroDivisionError``, ``NotImplementedError``) unless the innermost frame that raised it is
inside a transport library (ncclient, paramiko, aiohttp), where a peer's odd behaviour can
surface as such an exception. Callers that map failures to device (or federation child)
faults re-raise these instead, and the task reports them as ``internal_error_message`` with
the traceback.
"""
from __future__ import annotations

import os
import traceback

INTERNAL_TYPES = (TypeError, KeyError, AttributeError, IndexError, NameError, AssertionError, ZeroDivisionError,
                  NotImplementedError)
TRANSPORT_LIBRARIES = ("ncclient", "paramiko", "aiohttp")


def _innermost_file(exc: BaseException) -> str:
    tb = exc.__traceback__
    last = None
    while tb is not None:
        last, tb = tb, tb.tb_next
    return last.tb_frame.f_code.co_filename if last is not None else ""


def is_internal_error(exc: BaseException) -> bool:
    """True for a bug in our code (see the module doc), False for anything a peer can cause."""
    if not isinstance(exc, INTERNAL_TYPES):
        return False
    parts = os.path.normpath(_innermost_file(exc)).split(os.sep)
    return not any(lib in parts for lib in TRANSPORT_LIBRARIES)


def internal_error_message(exc: BaseException) -> str:
    """The message of an internal error: what it is, that it is ours, and what to do."""
    return ("internal error in netsync.fleet (a bug, not a device fault; please report it with the "
            "traceback): %s: %s" % (type(exc).__name__, exc))


def internal_traceback(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
