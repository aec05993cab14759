"""The crawl's settings: `python -m scraper`'s options and the pipeline's `site` section."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from cazton_llm.stage_config import AtLeastOne, FieldError, FilePath, NotNegative, Port, Seconds, check_fields

DEFAULT_PORTS = {"http": 80, "https": 443}
SAMPLE_SITE = "sample"  # as start_url: the bundled sample site (scraper/sample_site), served on 127.0.0.1
# No contact URL of our own to give: a user crawling other sites should name themselves with --user-agent.
USER_AGENT = "cazton-llm-crawler/0.1 (site-to-chatbot crawler)"


@dataclass(kw_only=True)
class CrawlConfig:
    out: FilePath = field(metadata={"help": "output JSONL file (written when the crawl ends)"})
    start_url: str = field(
        default="https://cazton.com",
        metadata={
            "help": "page to start from; the crawl stays on its scheme, host and port (and --alias origins). "
            "`sample`: the bundled sample site, served on 127.0.0.1:SAMPLE_PORT while the crawl runs"
        },
    )
    aliases: list[str] = field(
        default_factory=list,
        metadata={
            "aliases": "--alias",
            "action": "extend",
            "metavar": "ORIGIN",
            "help": "another origin (scheme://host[:port]) of the same site, e.g. https://www.cazton.com: redirects "
            "to it are followed, links to it are crawled (its robots.txt obeyed), a path on it is the same page "
            "as on START_URL; repeat for more",
        },
    )
    sample_port: Port = field(
        default=8765,
        metadata={"help": "port of the sample site: fixed, so its page URLs (and every cache) stay the same"},
    )
    max_pages: AtLeastOne = field(default=2000, metadata={"help": "stop after this many pages"})
    max_depth: NotNegative = field(
        default=8,
        metadata={"help": "follow links at most this many clicks from the start page; sitemap pages count as depth 1"},
    )
    resume: bool = field(
        default=False,
        metadata={"help": "continue an interrupted crawl without refetching finished pages (state kept in STATE_DIR)"},
    )
    state_dir: FilePath | None = field(
        default=None, metadata={"help": "Scrapy JOBDIR and HTTP cache; unset: OUT's folder/crawl"}
    )
    fast: bool = field(
        default=False,
        metadata={
            "help": "no AutoThrottle, 16 parallel requests per site: only for sites you own or may crawl hard "
            "(robots.txt is still obeyed)"
        },
    )
    refresh: bool = field(default=False, metadata={"help": "ignore the HTTP cache and refetch every page"})
    download_timeout: Seconds = field(default=30.0, metadata={"help": "seconds before a request times out"})
    user_agent: str = field(
        default=USER_AGENT,
        metadata={"help": "User-Agent header of every request; robots.txt rules are read for this agent"},
    )

    def __post_init__(self):
        check_fields(self)
        parts = urlsplit(self.start_url)
        if self.start_url != SAMPLE_SITE and (parts.scheme not in ("http", "https") or not parts.hostname):
            raise FieldError(
                "start_url", f"{self.start_url!r} is not an http(s) URL: give e.g. https://example.com, or `sample`"
            )
        self.aliases = [checked_origin(alias) for alias in self.aliases]
        if not self.user_agent.strip() or not self.user_agent.isprintable():
            raise FieldError("user_agent", f"{self.user_agent!r} must be one line of printable text")
        if self.out.suffix != ".jsonl":
            raise FieldError("out", f"{str(self.out)!r} must end in .jsonl")
        if self.state_dir is None:
            self.state_dir = self.out.parent / "crawl"


def checked_origin(alias: str) -> str:
    """An alias as `scheme://host[:port]` (lower case, no default port, no `/`), or a FieldError naming it."""
    parts = urlsplit(alias.strip())
    try:
        port = parts.port
    except ValueError:  # not a number, or out of range
        port = -1
    extra = parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password
    if parts.scheme.lower() not in DEFAULT_PORTS or not parts.hostname or port == -1 or extra:
        raise FieldError(
            "aliases", f"{alias!r} is not an origin: give scheme://host[:port], e.g. https://www.example.com"
        )
    scheme = parts.scheme.lower()
    return f"{scheme}://{parts.hostname}" + (f":{port}" if port and port != DEFAULT_PORTS[scheme] else "")
