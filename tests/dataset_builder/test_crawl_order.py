"""What generate and clean make of a crawl does not depend on the order the crawl wrote its pages in (a
concurrent crawl writes them as they arrive): the same pairs, in the same order, the same near-duplicates kept."""

import json

from dataset_builder.clean import clean_qa
from dataset_builder.config import CleanConfig, GenerateConfig
from dataset_builder.generate import generate_qa
from tests.conftest import FIXTURE_PAGES


def generated_and_kept(pages_lines: list[str], work) -> tuple[str, str]:
    work.mkdir()
    pages = work / "pages.jsonl"
    pages.write_text("".join(pages_lines))
    generate_qa(GenerateConfig(pages=pages, out=work / "generated.jsonl", generator="offline"))
    report = clean_qa(CleanConfig(qa=work / "generated.jsonl", out=work / "clean.jsonl"))
    assert report["dropped"]["near_duplicate"] > 0, "the fixture must have near-duplicates for this to test anything"
    return (work / "generated.jsonl").read_text(), (work / "clean.jsonl").read_text()


def near_copy(line: str) -> str:
    """The page of `line` again at another address, its first heading one word longer (a print view): its
    questions under that heading come out near the first page's, with the same answers."""
    page = json.loads(line)
    page["url"] += "?print=1"
    page["paragraphs"][0] += " today"
    page["text"] = "\n\n".join(page["paragraphs"])
    return json.dumps(page) + "\n"


def test_pages_in_another_order_give_the_same_pairs(tmp_path):
    lines = FIXTURE_PAGES.read_text().splitlines(keepends=True)
    lines.append(near_copy(lines[0]))
    assert len(lines) > 2
    in_order = generated_and_kept(lines, tmp_path / "in_order")
    shuffled = generated_and_kept(lines[1::2][::-1] + lines[::2], tmp_path / "shuffled")
    assert shuffled == in_order
