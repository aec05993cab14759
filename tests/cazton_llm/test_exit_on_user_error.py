"""`exit_on_user_error`: one `error:` (or `interrupted:`) line and its exit code, after freeing what the failed
call's frames held. Left to the interpreter's teardown, a half-read pyarrow reader (a damaged dataset shard)
can abort the process after the line, with exit code 134 instead of 2."""

import gc
import weakref

import pytest

from cazton_llm.errors import Interrupted, UserError, exit_on_user_error


class Reader:
    """Stands for the half-read parquet reader a failed dataset load leaves in its frames."""


def failing_main(exception_type: type[BaseException], message: str, readers: list):
    def main():
        reader = Reader()
        readers.append(weakref.ref(reader))
        try:
            raise exception_type(message)
        except exception_type as error:
            kept = error  # the frame and its exception refer to each other: only the cycle collector frees them
            raise kept from None

    return main


@pytest.mark.parametrize(
    ("exception_type", "code", "prefix"), [(UserError, 2, "error"), (Interrupted, 130, "interrupted")]
)
def test_what_the_failed_call_held_is_freed_before_the_line_and_the_exit(exception_type, code, prefix, capsys):
    readers = []
    main = exit_on_user_error(failing_main(exception_type, "the shard is damaged: build it again", readers))
    gc.disable()  # no automatic collection may free it instead
    try:
        with pytest.raises(SystemExit) as exited:
            main()
    finally:
        gc.enable()
    assert exited.value.code == code
    assert capsys.readouterr().err == f"{prefix}: the shard is damaged: build it again\n"
    assert readers[0]() is None, "still alive when the process would exit"
