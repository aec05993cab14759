"""Crawl a website politely with Scrapy and write its clean page text as JSONL."""
