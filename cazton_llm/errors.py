"""User-facing errors: one line that says what is wrong and what to do, and a non-zero exit."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable

USER_ERROR_EXIT_CODE = 2
INTERRUPTED_EXIT_CODE = 130  # what shells report for a process ended by Ctrl-C (128 + SIGINT)


class UserError(Exception):
    """A problem the user can fix. The message is one line: what is wrong and what to do."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, handled: the message is one line saying what was kept and how to continue."""


def exit_on_user_error(main: Callable[..., int | None]) -> Callable[..., int]:
    """Wrap a CLI entry point so a UserError prints `error: ...` on stderr and exits 2, and a handled
    Ctrl-C prints `interrupted: ...` and exits 130."""

    @functools.wraps(main)
    def wrapper(*args, **kwargs) -> int:
        try:
            return main(*args, **kwargs) or 0
        except UserError as error:
            print(f"error: {error}", file=sys.stderr)
            raise SystemExit(USER_ERROR_EXIT_CODE) from None
        except Interrupted as interrupted:
            print(f"interrupted: {interrupted}", file=sys.stderr)
            raise SystemExit(INTERRUPTED_EXIT_CODE) from None

    return wrapper
