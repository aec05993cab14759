"""Real-world defaults that several stages' configs start from, written once (the demo config overrides them)."""

DEFAULT_COMPANY = "Cazton"  # named in the system line of instruct models, in the chat and on the cards
DEFAULT_BASE_MODEL = "microsoft/phi-1_5"  # the base the pipeline finetunes and the Space serves
