"""The tiny base's pretraining windows: random offsets into the pages joined with EOS."""

from train.tiny_base import token_windows, train_tokenizer

TEXTS = [f"Page {number}: Northwind Forge builds software for client {number}." for number in range(40)]


def test_windows_are_seeded_slices_of_the_joined_pages_at_many_offsets():
    tokenizer = train_tokenizer(TEXTS, vocab_size=300)
    stream = []
    for text in TEXTS:
        stream += tokenizer(text)["input_ids"] + [tokenizer.eos_token_id]
    windows = token_windows(TEXTS, tokenizer, context_length=32, count=50, seed=0)
    assert len(windows) == 50 and all(len(window) == 32 for window in windows)
    starts = set()
    for window in windows:
        matches = [start for start in range(len(stream) - 31) if stream[start : start + 32] == window]
        assert matches, "every window is a slice of the joined pages"
        starts.update(matches)
    assert len(starts) > 25, "windows start at many different offsets, not at fixed block boundaries"
    assert token_windows(TEXTS, tokenizer, 32, 50, seed=0) == windows
    assert token_windows(TEXTS, tokenizer, 32, 50, seed=1) != windows
    assert token_windows(TEXTS[:1], tokenizer, 1000, 5, seed=0) == [stream[: stream.index(tokenizer.eos_token_id) + 1]]
