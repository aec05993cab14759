"""Scrapy's log lines about items, with each item named by its URL: an item carries the page's
whole HTML, and Scrapy's own lines (an empty page dropped, a pipeline error) print the item."""

from __future__ import annotations

from scrapy.logformatter import LogFormatter


class UrlOnlyLogFormatter(LogFormatter):
    def scraped(self, item, response, spider):
        return by_url(super().scraped(item, response, spider), item)

    def dropped(self, item, exception, response, spider):
        return by_url(super().dropped(item, exception, response, spider), item)

    def item_error(self, item, exception, response, spider):
        return by_url(super().item_error(item, exception, response, spider), item)


def by_url(entry: dict, item) -> dict:
    return {**entry, "args": {**entry["args"], "item": item.get("url", "an item without URL")}}
