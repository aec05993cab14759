"""Builds a website the crawler has never seen: content pages with known paragraphs, site-wide
boilerplate, a sitemap-only page, robots rules, a redirect, a calendar trap, faults and links
to another loopback site that must never be requested."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

WORDS = [
    "cloud",
    "platform",
    "data",
    "pipeline",
    "security",
    "audit",
    "mobile",
    "release",
    "training",
    "course",
    "architect",
    "migration",
    "kubernetes",
    "cluster",
    "warehouse",
    "analytics",
    "invoice",
    "customer",
    "portal",
    "workflow",
    "compliance",
    "dashboard",
    "integration",
    "legacy",
    "mainframe",
    "forecast",
    "model",
    "latency",
    "throughput",
    "backup",
    "recovery",
    "identity",
    "access",
]
BOILERPLATE = [
    "We use cookies to make this site work. Accept or manage your cookie preferences.",
    "Learn More",
    "Subscribe to our newsletter for monthly engineering notes.",
    "Copyright 2026 Acme Sample Systems. All rights reserved.",
    "Call us today for a free consultation with an architect.",
]


@dataclass
class GeneratedSite:
    root: Path
    content: dict[str, list[str]] = field(default_factory=dict)  # path -> content paragraphs
    disallowed_prefix: str = "/members/"
    trap_prefix: str = "/calendar/"


def sentence(rng: random.Random, index: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(12, 22))]
    return f"Fact {index}: " + " ".join(words).capitalize() + "."


def page_html(title: str, paragraphs: list[str], links: list[str], offsite_url: str) -> str:
    nav = "".join(f'<a href="{link}">{link}</a> ' for link in links)
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    return (
        f"<html lang='en'><head><title>{title}</title></head><body>"
        f"<div class='cookie'><p>{BOILERPLATE[0]}</p></div><nav>{nav}<a href='{offsite_url}'>Partner</a>"
        f"<a href='mailto:info@acme.example'>Mail</a><a href='/report.pdf'>Report</a></nav>"
        f"<main><h1>{title}</h1>{body}<p><a href='/contact.html'>{BOILERPLATE[1]}</a></p></main>"
        f"<aside><p>{BOILERPLATE[4]}</p></aside>"
        f"<footer><p>{BOILERPLATE[2]}</p><p>{BOILERPLATE[3]}</p></footer></body></html>"
    )


def build_site(root: Path, offsite_url: str, pages: int = 24, seed: int = 7) -> GeneratedSite:
    rng = random.Random(seed)
    site = GeneratedSite(root)
    paths = [f"/section{n % 4}/page{n}.html" for n in range(pages)]
    counter = 0
    for n, path in enumerate(paths):
        paragraphs = []
        for _ in range(rng.randint(3, 5)):
            counter += 1
            paragraphs.append(sentence(rng, counter))
        site.content[path] = paragraphs
        links = [paths[(n + 1) % pages], paths[(n + 5) % pages], "/", "/old-home", f"{paths[n]}?utm_source=x#top"]
        if n == 0:
            links += [
                "/members/secret.html",
                "/calendar/0.html",
                "/broken.html",
                "/slow.html",
                "/gone.html",
                "/empty.html",
                "/malformed.html",
            ]
        write(root / path.lstrip("/"), page_html(f"Page {n}", paragraphs, links, offsite_url))
    site.content["/hidden/only-in-sitemap.html"] = [sentence(rng, counter + 1), sentence(rng, counter + 2)]
    write(
        root / "hidden/only-in-sitemap.html",
        page_html("Hidden", site.content["/hidden/only-in-sitemap.html"], ["/"], offsite_url),
    )
    site.content["/index.html"] = [sentence(rng, counter + 3)]
    write(root / "index.html", page_html("Home", site.content["/index.html"], paths[:3], offsite_url))
    write(root / "members/secret.html", page_html("Secret", ["Members only text."], [], offsite_url))
    for month in range(300):
        events = f"<h1>Month {month}</h1><p>Events in month {month} are listed here.</p>"
        write(root / f"calendar/{month}.html", f"<main>{events}<a href='/calendar/{month + 1}.html'>next</a></main>")
    write(
        root / "empty.html",
        "<html><head><title>Empty</title></head><body><nav><a href='/'>home</a></nav></body></html>",
    )
    site.content["/malformed.html"] = [sentence(rng, 999)]
    write(root / "malformed.html", f"<html><body><main><p>{site.content['/malformed.html'][0]}<div><p>unclosed <b>")
    write(root / "report.pdf", "%PDF-1.4 not html")
    (root / "_redirects").write_text("/old-home 301 /index.html\n")
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /members/\nSitemap: {{BASE}}sitemap_index.xml\n")
    (root / "sitemap_index.xml").write_text(
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<sitemap><loc>{{BASE}}sitemap-a.xml</loc></sitemap></sitemapindex>"
    )
    (root / "sitemap-a.xml").write_text(
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(f"<url><loc>{{{{BASE}}}}{path.lstrip('/')}</loc></url>" for path in paths)
        + "<url><loc>{{BASE}}hidden/only-in-sitemap.html</loc></url><url><loc>{{BASE}}members/secret.html</loc></url>"
        f"<url><loc>{offsite_url}</loc></url></urlset>"
    )
    return site


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
