"""The OpenAI stand-in speaks the protocol the real `openai` client expects, faults included."""

import json
import time

import openai
import pytest


def client(server, **options) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url, api_key="sk-test", **options)


def ask(openai_client, **options):
    return openai_client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Who are you?"}], **options
    )


def test_chat_completion_records_request_and_key(openai_server):
    openai_server.responder = lambda body: "Echo: " + body["messages"][-1]["content"]
    reply = ask(client(openai_server))
    assert reply.choices[0].message.content == "Echo: Who are you?"
    assert reply.usage.prompt_tokens == 3 and reply.usage.completion_tokens == 4
    assert openai_server.calls == 1
    assert openai_server.authorization == ["Bearer sk-test"]


def test_streamed_chunks_join_to_the_reply(openai_server):
    chunks = ask(client(openai_server), stream=True)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert text.strip() == "This is a reply from the local stand-in."


def test_429_is_retried_after_the_retry_after_delay(openai_server):
    openai_server.retry_after_s = 0.3
    openai_server.script(["429"])
    started = time.monotonic()
    assert ask(client(openai_server, max_retries=1)).choices[0].message.content
    assert time.monotonic() - started >= 0.3
    assert openai_server.calls == 2


@pytest.mark.parametrize(
    ("fault", "error"),
    [("500", openai.InternalServerError), ("timeout", openai.APITimeoutError), ("429", openai.RateLimitError)],
)
def test_faults_surface_as_client_errors(openai_server, fault, error):
    openai_server.hang_s = 1.0
    openai_server.script([fault])
    with pytest.raises(error):
        ask(client(openai_server, max_retries=0, timeout=0.3))


def test_malformed_and_off_schema_replies(openai_server):
    openai_server.script(["malformed", "bad_schema"])
    with pytest.raises(json.JSONDecodeError):
        ask(client(openai_server, max_retries=0))
    reply = ask(client(openai_server), response_format={"type": "json_object"})
    assert json.loads(reply.choices[0].message.content) == {"unexpected": True}


def test_batch_round_trip(openai_server, tmp_path):
    openai_server.responder = lambda body: body["messages"][0]["content"].upper()
    requests_path = tmp_path / "batch.jsonl"
    requests_path.write_text(
        "".join(
            json.dumps(
                {
                    "custom_id": f"q{i}",
                    "method": "POST",
                    "url": "/v1/chat/completions",
                    "body": {"model": "m", "messages": [{"role": "user", "content": f"hello {i}"}]},
                }
            )
            + "\n"
            for i in range(3)
        )
    )
    openai_client = client(openai_server)
    uploaded = openai_client.files.create(file=requests_path.open("rb"), purpose="batch")
    batch = openai_client.batches.create(
        input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    batch = openai_client.batches.retrieve(batch.id)
    assert batch.status == "completed"
    lines = [json.loads(line) for line in openai_client.files.content(batch.output_file_id).text.splitlines()]
    answers = {line["custom_id"]: line["response"]["body"]["choices"][0]["message"]["content"] for line in lines}
    assert answers == {"q0": "HELLO 0", "q1": "HELLO 1", "q2": "HELLO 2"}
