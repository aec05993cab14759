"""The Gradio chat Space: streams answers from BASE(+ADAPTER), shows sources from the dataset,
optionally polishes answers with an OpenAI-compatible model. `python -m space` runs it locally."""
