"""Local stand-ins that speak real services' protocols on 127.0.0.1 (OpenAI API, Hugging Face Hub)."""
