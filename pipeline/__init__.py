"""One job from website to chatbot: crawl → generate → clean → build → (tiny base) → train → benchmark → serve."""
