"""One function call in a separate process, with a timeout and a memory cap.

Converting a visitor's sound or video means decoding it in full, further than intake
ever did; a file that hangs or crashes FFmpeg must cost only its own medium in the
archive. The process is started with `spawn`, like the decoder workers.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
from collections.abc import Callable
from typing import Any, TypeVar

Result = TypeVar("Result")


class IsolatedError(Exception):
    """The call failed, timed out or took its process down; the message says which."""


def _call(connection: multiprocessing.connection.Connection, function: Callable[..., Any],
          args: tuple[Any, ...], memory_mb: int) -> None:
    import resource

    cap = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    try:
        answer: tuple[bool, Any] = (True, function(*args))
    except Exception as error:  # any failure is this file's, reported to the parent
        answer = (False, f"{type(error).__name__}: {error}")
    connection.send(answer)
    connection.close()


def run_isolated(function: Callable[..., Result], args: tuple[Any, ...], timeout: float,
                 memory_mb: int) -> Result:
    """`function(*args)` in a fresh process; `IsolatedError` on failure or timeout."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe(duplex=False)
    process = context.Process(target=_call, args=(theirs, function, args, memory_mb),
                              name="carte-convert", daemon=True)
    process.start()
    theirs.close()
    try:
        if not ours.poll(timeout):
            raise IsolatedError(f"took longer than {timeout:g} s")
        succeeded, value = ours.recv()
    except EOFError as error:
        process.join(timeout=5)
        raise IsolatedError(f"the converter stopped (exit {process.exitcode}); the file is "
                            "probably corrupt") from error
    finally:
        ours.close()
        if process.is_alive():  # timed out, or finishing after its answer: either way done
            process.kill()
        process.join()
    if not succeeded:
        raise IsolatedError(value)
    return value  # type: ignore[no-any-return]
