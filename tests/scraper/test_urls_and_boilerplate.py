"""URL canonicalisation, site boundaries and site-wide boilerplate detection."""

import pytest

from scraper.boilerplate import remove_boilerplate
from scraper.extract import extract_page
from scraper.urls import canonical_url, has_non_html_extension, on_origin, origin_of


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://Example.com:443/Services/?utm_source=x&b=2&a=1#team", "https://example.com/Services/?a=1&b=2"),
        ("http://example.com:80/", "http://example.com/"),
        ("http://example.com", "http://example.com/"),
        ("http://example.com/relloop/", "http://example.com/relloop/"),
        ("http://example.com/training/index.html", "http://example.com/training/index.html"),
        ("http://example.com/a?fbclid=1&gclid=2", "http://example.com/a"),
        ("http://127.0.0.1:8765/about.html#x", "http://127.0.0.1:8765/about.html"),
    ],
)
def test_canonical_url(url, canonical):
    assert canonical_url(url) == canonical


def test_another_port_or_scheme_is_another_origin_and_files_are_not_pages():
    assert origin_of("http://127.0.0.1:8000/a") != origin_of("http://127.0.0.1:9000/a")
    assert origin_of("HTTPS://Example.com/a") == origin_of("https://example.com:443/b") == "https://example.com"
    assert origin_of("http://example.com/a") != origin_of("https://example.com/a")
    assert on_origin("https://www.example.com/a?b=2&a=1#top", "https://example.com") == "https://example.com/a?a=1&b=2"
    assert has_non_html_extension("http://x/brochure.PDF") and has_non_html_extension("http://x/a.zip")
    assert not has_non_html_extension("http://x/services") and not has_non_html_extension("http://x/a.html")


def test_blocks_repeated_across_the_site_are_removed_and_page_order_kept():
    pages = [[f"unique {n}", "Accept cookies", f"second {n}", "Learn More"] for n in range(10)]
    pages.append(["only here", "shared by two"])
    pages.append(["shared by two"])
    cleaned = remove_boilerplate(pages)
    assert cleaned[0] == ["unique 0", "second 0"]
    assert cleaned[10] == ["only here", "shared by two"]


def test_extraction_keeps_headings_and_list_items_as_entries():
    html = (
        "<html lang='de-DE'><head><title>Kurse</title></head><body><nav><a href='/'>Home</a></nav><main>"
        "<h1>Our courses</h1><p>We teach three courses every spring for engineering teams.</p>"
        "<ul><li>Azure fundamentals, two days</li><li>Kubernetes in production, three days</li></ul>"
        "</main></body></html>"
    )
    page = extract_page(html)
    assert page.title == "Our courses" and page.lang == "de"
    assert page.paragraphs == [
        "Our courses",
        "We teach three courses every spring for engineering teams.",
        "Azure fundamentals, two days",
        "Kubernetes in production, three days",
    ]


@pytest.mark.parametrize("html", ["", "<html><body><nav><a href='/'>x</a></nav></body></html>", "\x00\x01binary"])
def test_pages_without_main_text_give_no_paragraphs(html):
    assert extract_page(html).paragraphs == []
