"""`python -m space [--port N] [--base-model …] [--adapter …] [--dataset …]` serves the chat on
127.0.0.1; `python -m space publish OWNER/NAME` deploys it as a Hugging Face Space."""

from __future__ import annotations

import errno
import logging
import os
import socket
from pathlib import Path

from cazton_llm.errors import UserError, exit_on_user_error
from cazton_llm.hub import is_local
from cazton_llm.model_loading import ModelRef
from cazton_llm.stage_config import config_from, config_parser, parse_namespace
from space.config import SpaceConfig


def make_parser():
    """The options are SpaceConfig's fields (defaults: the environment, as on the Hub Space)."""
    parser = config_parser(SpaceConfig, prog="python -m space", description=__doc__)
    parser.add_argument("command", nargs="?", default="serve", help="serve (default) or publish")
    parser.add_argument("repo_id", nargs="?", help="publish: the Space to create or update, OWNER/NAME")
    parser.add_argument("--private", action="store_true", help="publish: create the Space as private")
    return parser


def check_gradio_port() -> None:
    gradio_port = os.environ.get("GRADIO_SERVER_PORT")  # Gradio reads it when imported, and fails with a traceback
    if gradio_port is not None and not (gradio_port.isdigit() and 0 < int(gradio_port) < 65536):
        raise UserError(f"GRADIO_SERVER_PORT={gradio_port!r} is not a TCP port: use 1–65535")


def check_port_free(config: SpaceConfig) -> None:
    """Gradio finds a taken port only after the model has loaded, and says so with a traceback: probe the port
    given (--port, else GRADIO_SERVER_PORT) first, the way Gradio does (SO_REUSEADDR, on GRADIO_SERVER_NAME or
    127.0.0.1). With neither, Gradio looks for a free port itself."""
    port = config.port or int(os.environ.get("GRADIO_SERVER_PORT", 0))
    if not port:
        return
    host = os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1")
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                return  # another problem (an unknown GRADIO_SERVER_NAME): Gradio's to report
            raise UserError(f"port {port} is already in use on {host}: pick another with --port") from None


def check_local_inputs(config: SpaceConfig) -> None:
    for name in (config.base_model, config.adapter):
        if name:
            ModelRef.parse(name).check()
    if config.dataset and is_local(config.dataset) and not Path(config.dataset).expanduser().is_dir():
        raise UserError(f"dataset folder {config.dataset!r} does not exist: build it with `python -m dataset_builder`")
    config.model_spec.check()  # the local folders' config, tokenizer and weight files are readable


@exit_on_user_error
def main(argv: list[str] | None = None) -> int:
    args = parse_namespace(make_parser(), argv)
    config = config_from(args, SpaceConfig)
    check_gradio_port()
    if args.command == "publish":
        if not args.repo_id:
            raise UserError("publish needs the Space id: python -m space publish OWNER/NAME")
        from space.embed import embed_snippet, space_url
        from space.publish import publish_space

        print(f"Space published: {publish_space(args.repo_id, config, private=args.private)}")
        print(f"Put the chat on your website with:\n{embed_snippet(space_url(args.repo_id))}")
        return 0
    if args.command != "serve":
        raise UserError(
            f"unknown command {args.command!r}: use `python -m space` to serve or `python -m space publish OWNER/NAME`"
        )
    if args.repo_id:
        raise UserError(f"unexpected argument {args.repo_id!r}: serve takes options only (see --help)")
    check_local_inputs(config)
    check_port_free(config)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per Gradio health check otherwise
    from space.app import launch

    launch(config)
    return 0
