"""User-facing errors: one line that says what is wrong and what to do, and a non-zero exit."""

from __future__ import annotations

import errno
import functools
import resource
import sys
import tempfile
from collections.abc import Callable, Iterator

USER_ERROR_EXIT_CODE = 2
INTERRUPTED_EXIT_CODE = 130  # what shells report for a process ended by Ctrl-C (128 + SIGINT)


class UserError(Exception):
    """A problem the user can fix. The message is one line: what is wrong and what to do."""


def first_line(error: BaseException) -> str:
    """An error's first line with text, for a one-line message: some libraries' messages begin with a blank line
    (`datasets`) or follow it with examples of what they expected."""
    return next((line.strip() for line in str(error).splitlines() if line.strip()), type(error).__name__)


# "File too large" (a file-size limit, `ulimit -f`, or the filesystem's) and "no space left" (or over quota).
DISK_FULL = {errno.EFBIG, errno.ENOSPC, errno.EDQUOT}


def causes(error: BaseException | None) -> Iterator[BaseException]:
    """`error` and the exceptions behind it: libraries wrap what our code raised inside them (datasets raises
    DatasetGenerationError from whatever a builder's `_generate_examples` raised)."""
    while error is not None:
        yield error
        error = error.__cause__ or error.__context__


def disk_full_cause(error: BaseException | None) -> OSError | None:
    """The "file too large" or "no space left" OSError behind `error`, or None."""
    return next((cause for cause in causes(error) if isinstance(cause, OSError) and cause.errno in DISK_FULL), None)


def as_user_error(error: BaseException) -> UserError | None:
    """`error` as one line for people when it is one they can fix: a UserError (also one a library wrapped), or a
    write stopped by a file-size limit or a full disk (named by the file `cazton_llm.atomic` was writing)."""
    for cause in causes(error):
        if isinstance(cause, UserError):
            return cause
        if isinstance(cause, OSError) and cause.errno in DISK_FULL:
            return disk_full_error(cause)
    return None


def disk_full_error(full: OSError) -> UserError:
    where = full.filename or "a file being written"
    if full.errno == errno.EFBIG:
        limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
        shown = "unlimited" if limit == resource.RLIM_INFINITY else f"{limit} bytes"
        return UserError(
            f"{where}: file too large (the file-size limit, `ulimit -f`, is {shown}): raise the limit, or write "
            "the output to a filesystem that takes larger files, and run again"
        )
    return UserError(
        f"{where}: no space left on the device: free space there (temp files go to {tempfile.gettempdir()}) "
        "and run again"
    )


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, handled: the message is one line saying what was kept and how to continue."""


def exit_on_user_error(main: Callable[..., int | None]) -> Callable[..., int]:
    """Wrap a CLI entry point so a UserError (or a full disk, see `as_user_error`) prints `error: ...` on stderr
    and exits 2, and a handled Ctrl-C prints `interrupted: ...` and exits 130."""

    @functools.wraps(main)
    def wrapper(*args, **kwargs) -> int:
        try:
            return main(*args, **kwargs) or 0
        except Exception as error:
            user_error = as_user_error(error)
            if user_error is None:
                raise
            print(f"error: {user_error}", file=sys.stderr)
            raise SystemExit(USER_ERROR_EXIT_CODE) from None
        except Interrupted as interrupted:
            print(f"interrupted: {interrupted}", file=sys.stderr)
            raise SystemExit(INTERRUPTED_EXIT_CODE) from None

    return wrapper
