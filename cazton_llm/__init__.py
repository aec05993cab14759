"""Knowledge shared by every stage: file layout, record schema, prompt format, stopping rules."""
