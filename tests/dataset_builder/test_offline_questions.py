"""The offline generator's questions: each asks for what its answer sentence says, in the words a visitor
would use, and a page's own questions (an FAQ) are paired with the sentences that answer them."""

import pytest

from dataset_builder.offline import faq_pairs, heading_topic, offline_pairs, question_for, topic_question
from dataset_builder.passages import Passage


@pytest.mark.parametrize(
    ("sentence", "question"),
    [
        ("Maya Lindqvist is the chief executive officer.", "Who is Maya Lindqvist?"),
        ("Jonas de Vries is our head of data engineering.", "Who is Jonas de Vries?"),
        ("Acme Robotics is a Microsoft Solutions Partner for AI.", "What is Acme Robotics?"),
        ("Our headquarters is in Portland, Oregon.", "Where is your headquarters?"),
        ("The Berlin office is at Torstrasse 12.", "Where is the Berlin office?"),
        ("Acme Robotics was founded in 1998 by two engineers.", "When was Acme Robotics founded?"),
        ("Simple applications are rehosted as they are.", "How are simple applications rehosted?"),
        ("No programming experience is required.", "Is programming experience required?"),
        ("The React course runs for three days and teaches hooks.", "How long does the React course run?"),
        ("The workshop lasts two days.", "How long does the workshop last?"),
        ("Each wave ends with a rollback rehearsal.", "What does each wave end with?"),
        ("It covers subscriptions and resource groups.", "What does the azure course cover?"),
        ("We fine-tune small open language models for clients.", "What do you fine-tune for azure course?"),
        ("We start with an inventory of every application.", "What do you start with for azure course?"),
        ("We built an integration platform on Azure Service Bus.", "What did you do for azure course?"),
        ("We migrated the system in three waves.", "What did you do for azure course?"),
        ("Our trainers have taught more than 9,000 people since 2011.", "What did you do for azure course?"),
        ("Acme Robotics offers seven consulting services.", "What does Acme Robotics offer?"),
        ("Priya Raman leads the AI practice.", "What does Priya Raman lead?"),
        ("A standard security review takes three weeks.", "How long does a standard security review take?"),
        ("The Azure course costs 1,200 dollars per seat.", "How much does the Azure course cost?"),
        ("The course costs 1,200 dollars per seat.", "How much does the azure course cost?"),  # which course
        ("Every model we deliver comes with a monitoring dashboard.", "What does every model you deliver come with?"),
        ("Our US clients receive a monthly report.", "What do your US clients receive?"),  # "US" is no "us"
        ("The Toronto office focuses on financial services.", "What does the Toronto office focus on?"),
        ("Our data engineers design warehouses on Snowflake.", "What do your data engineers design?"),
        ("Our DevOps engineers set up delivery pipelines.", "What do your DevOps engineers set up?"),
        ("Most engagements start with a two-week discovery sprint.", "What do most engagements start with?"),
        ("Participants deploy an application to a cluster.", "What do participants deploy?"),
        ("Classes run online or at your office.", "Where do classes run?"),
        ("Visitors can park in the garage on Fourth Avenue.", "Where can visitors park?"),
        ("Attendees should already know how to build a Docker image.", "What should attendees already know?"),
        ("All roles can be done remotely from Canada.", "Can all roles be done remotely?"),
        ("The course can be taught for Java or Python teams.", "Who can the azure course be taught for?"),
        ("You can reach our sales team by email at hello@example.com.", "How can I reach your sales team?"),
        ("Kubernetes in production is a three-day course.", "What is Kubernetes in production?"),
        ("We hire software engineers and trainers.", "Who do you hire?"),  # people: not "What do you hire for …?"
        ("We also have offices in Toronto and Lisbon.", "Where do you have offices?"),
        ("We run workshops at your office.", "What do you run for azure course?"),  # "your office": no named place
        ("We answer every application within ten working days.", "How quickly do you answer every application?"),
        ("We start with a review within two weeks.", "What do you start with for azure course?"),
    ],
)
def test_a_question_asks_for_what_its_sentence_says(sentence, question):
    assert question_for(sentence, "Azure course") == question


@pytest.mark.parametrize(
    "sentence",
    [
        "Send a short note about a project you are proud of to jobs@example.com.",  # an order, not a subject
        "The Lisbon office opened in 2019 and serves clients across the EU.",  # a clause cut at its second verb
        "She leads client strategy for the banks.",  # a person the sentence before names
        "All interfaces we build meet the WCAG 2.2 AA guidelines.",  # a subject with a clause of its own
        "You can " + "reach our team and " * 5 + "more.",  # an object too long to ask about
    ],
)
def test_a_sentence_with_no_subject_to_ask_about_gets_no_question_of_its_own(sentence):
    assert question_for(sentence, "Careers") is None


@pytest.mark.parametrize(
    ("heading", "topic", "we_offer"),
    [
        ("What we do", "What do you do?", "What do you offer?"),  # not "What do you offer for what we do?"
        ("Who we are", "Who are you?", "What do you offer?"),
        ("How we work", "How do you work?", "What do you offer?"),
        ("Our values", "What can you tell me about your values?", "What do you offer for your values?"),
        ("Data engineering", "What can you tell me about data engineering?", "What do you offer for data engineering?"),
        ("Contact us", "How can I contact you?", "What do you offer for contact us?"),
        ("Visit Us", "How can I visit you?", "What do you offer for visit us?"),
        ("About us", "Who are you?", "What do you offer?"),
        ("About Acme Robotics", "What can you tell me about acme robotics?", "What do you offer for acme robotics?"),
    ],
)
def test_a_heading_is_asked_about_as_a_visitor_would(heading, topic, we_offer):
    """A heading that is a clause about the company is a question in itself; "our" in it is the visitor's "your"."""
    assert topic_question(heading_topic(heading)) == topic
    assert question_for("We offer cloud migration, DevOps and mobile apps.", heading_topic(heading)) == we_offer


def test_a_labelled_heading_is_asked_about_the_thing_it_names():
    text = "We built an integration platform on Azure Service Bus for nine hospitals."
    passage = Passage(
        source_url="http://127.0.0.1/h",
        source_title="Case studies",
        heading="Case study: A hospital network",
        paragraphs=(text,),
    )
    assert [pair["question"] for pair in offline_pairs(passage)] == ["What did you do for a hospital network?"]
    subtitled = Passage(
        source_url="http://127.0.0.1/k",
        source_title="Training",
        heading="Kubernetes: running containers at scale",
        paragraphs=("We teach autoscaling and monitoring to platform teams.",),
    )
    assert "kubernetes" in offline_pairs(subtitled)[0]["question"], "a subject before the colon is no label"


def test_what_a_page_says_of_the_company_by_name_is_asked_about_its_topic_except_on_the_home_page():
    """The chat answers a question naming only the company from its home page: elsewhere, "Acme Robotics is a
    Microsoft partner" is asked about the page's topic, not as "What is Acme Robotics?"."""
    text = (
        "Acme Robotics is a Microsoft Solutions Partner for AI. Acme Robotics offers seven consulting services. "
        "Acme Robotics Labs was founded in 1998 by two engineers. Acme Robotics's team is based in Oslo."
    )

    def questions(url: str, company: str | None) -> list[str]:
        return [pair["question"] for pair in offline_pairs(Passage(url, "Acme", "Partners", (text,)), company)]

    on_partners = questions("http://127.0.0.1/partners.html", "Acme Robotics")
    assert on_partners == [
        "What can you tell me about partners?",
        "When was Acme Robotics Labs founded?",
        "Where is Acme Robotics's team?",
    ]
    passage = Passage("http://127.0.0.1/partners.html", "Acme", "Partners", (text,))
    assert offline_pairs(passage, "Acme Robotics")[0]["answer"] == (
        "Acme Robotics is a Microsoft Solutions Partner for AI. Acme Robotics offers seven consulting services."
    ), "the two share the topic question and its answer"
    expected = ["What is Acme Robotics?", "What does Acme Robotics offer?"]
    assert questions("http://127.0.0.1/", "acme robotics")[:2] == expected, "the home page says what it is"
    assert questions("http://127.0.0.1/partners.html", None)[:2] == expected, "no company named"


@pytest.mark.parametrize(
    "heading",
    ["What we do (*)+?[", "Case study: the " + "a" * 20_000, "what we " + "do it " * 5_000 + "!", "Our: " * 3_000],
)
def test_a_hostile_heading_gets_questions_not_a_crash(heading):
    """Headings are page text: regex characters stay text, and very long ones (made to fail the clause and label
    rules at their end) are asked about like any other."""
    passage = Passage(
        source_url="http://127.0.0.1/x",
        source_title="X",
        heading=heading,
        paragraphs=("We offer cloud migration and data engineering. The course costs 1,200 dollars per seat.",),
    )
    assert [pair["question"][-1] for pair in offline_pairs(passage)] == ["?", "?"]


def test_sentences_that_share_a_question_share_its_answer():
    text = (
        "Send a short note about a project you are proud of to jobs@example.com. "
        "We answer questions about relocation by phone. "
        "Read the stories of the people who joined us last year. We also answer questions about visas by email."
    )
    passage = Passage(
        source_url="http://127.0.0.1/apply", source_title="Careers", heading="How to apply", paragraphs=(text,)
    )
    assert offline_pairs(passage) == [
        {
            "question": "How do I apply?",  # two orders: one topic question, not "What else should I know …?"
            "answer": "Send a short note about a project you are proud of to jobs@example.com. "
            "Read the stories of the people who joined us last year.",
        },
        {
            "question": "What do you answer for how to apply?",
            "answer": "We answer questions about relocation by phone. We also answer questions about visas by email.",
        },
    ]


def test_a_sentence_about_the_person_before_after_an_opening_phrase_joins_their_answer():
    priya = "Priya Raman leads the AI practice. Before joining in 2016 she built forecasting models for a grocer."
    tomas = "Tomás Ferreira runs the Lisbon office. In 2019, he opened it."
    text = f"{priya} {tomas} Łukasz Nowak is the head of sales."
    passage = Passage(source_url="http://127.0.0.1/team", source_title="Team", heading="Leadership", paragraphs=(text,))
    assert offline_pairs(passage) == [
        {"question": "What does Priya Raman lead?", "answer": priya},
        {"question": "What does Tomás Ferreira run?", "answer": tomas},
        {"question": "Who is Łukasz Nowak?", "answer": "Łukasz Nowak is the head of sales."},  # accented names too
    ]


def test_a_sentence_that_adds_to_the_one_before_answers_with_it():
    text = "Our headquarters is in Portland, Oregon. We also have offices in Toronto and Lisbon."
    passage = Passage(source_url="http://127.0.0.1/about", source_title="About", heading="Offices", paragraphs=(text,))
    assert offline_pairs(passage) == [
        {"question": "Where is your headquarters?", "answer": "Our headquarters is in Portland, Oregon."},
        {"question": "Where do you have offices?", "answer": text},  # not Toronto and Lisbon alone
    ]


def test_a_sentence_that_goes_on_about_a_person_joins_the_answer_about_them():
    text = (
        "Maya Lindqvist is the chief executive officer. She leads client strategy for the banks. "
        "Daniel Okafor is the chief technology officer. He oversees engineering standards and the platform team."
    )
    passage = Passage(source_url="http://127.0.0.1/team", source_title="Team", heading="Leadership", paragraphs=(text,))
    assert offline_pairs(passage) == [
        {
            "question": "Who is Maya Lindqvist?",
            "answer": "Maya Lindqvist is the chief executive officer. She leads client strategy for the banks.",
        },
        {
            "question": "Who is Daniel Okafor?",
            "answer": "Daniel Okafor is the chief technology officer. "
            "He oversees engineering standards and the platform team.",
        },
    ]


def test_an_answer_holds_at_most_three_sentences():
    text = " ".join(f"Download brochure number {n} for the dates." for n in range(5))
    passage = Passage(source_url="http://127.0.0.1/t", source_title="Training", heading="Courses", paragraphs=(text,))
    pairs = offline_pairs(passage)
    assert [pair["question"] for pair in pairs] == ["What can you tell me about courses?"]
    assert pairs[0]["answer"].count("Download") == 3


@pytest.mark.parametrize(
    "sentence",
    ["The plan is (approved in 2020 by the board).", "The fee is [waived] for students.", "Our API is \\escaped here."],
)
def test_a_sentence_with_regex_characters_gets_a_question_not_a_crash(sentence):
    assert question_for(sentence, "Plans").endswith("?")  # page text is data: it never becomes a pattern


def test_a_pages_own_questions_are_answered_by_the_sentences_that_follow_them():
    text = (
        "Do you work with small companies? Yes. About a third of our clients have fewer than 200 employees.\n\n"
        "How do you price projects? Discovery sprints have a fixed price of 18,000 dollars.\n\n"
        "Why us?"
    )
    pairs, rest = faq_pairs(text)
    assert pairs == [
        {
            "question": "Do you work with small companies?",
            "answer": "Yes. About a third of our clients have fewer than 200 employees.",
        },
        {"question": "How do you price projects?", "answer": "Discovery sprints have a fixed price of 18,000 dollars."},
    ]
    assert rest == "Why us?"  # a question nothing answers is left to the sentence questions, not paired


def test_no_answer_is_a_question_and_sentences_after_an_faq_still_get_theirs():
    text = (
        "Can you take over an existing codebase? Yes. We start with a review. It takes two weeks. "
        "We then fix the worst problems first. Our trainers have taught more than 9,000 people since 2011."
    )
    passage = Passage(source_url="http://127.0.0.1/faq", source_title="FAQ", heading="Questions", paragraphs=(text,))
    pairs = offline_pairs(passage)
    assert pairs[0] == {
        "question": "Can you take over an existing codebase?",
        "answer": "Yes. We start with a review. It takes two weeks.",
    }
    assert [pair["answer"] for pair in pairs[1:]] == [
        "We then fix the worst problems first.",
        "Our trainers have taught more than 9,000 people since 2011.",
    ]
    assert not any(pair["answer"].endswith("?") for pair in pairs)
