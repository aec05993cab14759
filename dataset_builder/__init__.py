"""Turn crawled pages into grounded question/answer pairs, clean them, and publish a Hugging Face dataset."""
