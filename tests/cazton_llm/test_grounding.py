"""Content words and the grounding score that cleaning, the benchmark and the Space's retrieval share."""

from cazton_llm.grounding import content_words, grounding_score

PASSAGE = "Our Kubernetes course lasts three days. It costs 1,500 dollars per person and runs online."


def test_grounding_score():
    assert grounding_score("The course costs 1,500 dollars.", PASSAGE) == 1.0
    assert grounding_score("The course is taught in Paris by Anna.", PASSAGE) < 0.5
    assert grounding_score("It is what it is.", PASSAGE) == 1.0  # no content word: nothing to contradict


def test_content_words_keep_numbers_and_dotted_names_whole_and_drop_stop_words():
    assert content_words("What does the ASP.NET course cost? About 1,500 dollars.") == [
        "asp.net",
        "course",
        "cost",
        "1,500",
        "dollars",
    ]
