"""boto3 against bedrock-local: the core cases, reported as one JSON object on stdout.

Run by tests/sdk_boto3.rs inside a venv with boto3 installed. The endpoint and the keys come
from the environment: BEDROCK_LOCAL_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
AWS_DEFAULT_REGION; BEDROCK_LOCAL_LIFECYCLE maps names of days ("before_launch", ...) to endpoints
that answer as of those days, signed with the same keys; BEDROCK_LOCAL_CLOCK_ENDPOINT is an endpoint
started with a test clock (same keys), which POST /_local/clock moves forward. With the argument
`replayable`, only the cases a recording replays run (a converse, a text stream, a tool stream, a
native call, an error and a thinking tool loop), without request ids, so that what boto3 saw through `bedrock-local record` and
through `serve` replaying the recording can be compared as they are. Nothing is asserted here: the Rust test asserts on the printed JSON, so a
failure shows both what boto3 saw and what was expected.
"""

import json
import os
import sys
import urllib.request

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

NOVA = "amazon.nova-micro-v1:0"
HAIKU = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
THINKING = {"thinking": {"type": "enabled", "budget_tokens": 2048}}
# The model whose whole lifecycle the endpoints of BEDROCK_LOCAL_LIFECYCLE live through.
HAIKU_3_5 = "anthropic.claude-3-5-haiku-20241022-v1:0"

WEATHER_TOOL = {
    "tools": [
        {
            "toolSpec": {
                "name": "get_weather",
                "description": "Get current weather for a specific location",
                "inputSchema": {
                    "json": {
                        "type": "object",
                        "properties": {"location": {"type": "string"}},
                        "required": ["location"],
                    }
                },
            }
        }
    ]
}


def user(text):
    return {"role": "user", "content": [{"text": text}]}


def converse(client):
    out = client.converse(modelId=NOVA, messages=[user("hello there")])
    return {
        "text": "".join(b.get("text", "") for b in out["output"]["message"]["content"]),
        "stop_reason": out["stopReason"],
        "usage": out["usage"],
        "has_latency": "latencyMs" in out.get("metrics", {}),
        "request_id": out["ResponseMetadata"].get("RequestId", ""),
    }


def converse_stream(client, model, messages, tool_config=None):
    kwargs = {"modelId": model, "messages": messages}
    if tool_config:
        kwargs["toolConfig"] = tool_config
    out = client.converse_stream(**kwargs)
    seen = {"events": [], "text": "", "text_deltas": 0, "tool_name": None, "tool_input": "",
            "tool_input_deltas": 0, "stop_reason": None, "usage": None}
    for event in out["stream"]:
        (name, body), = event.items()
        seen["events"].append(name)
        if name == "contentBlockStart" and "toolUse" in body["start"]:
            seen["tool_name"] = body["start"]["toolUse"]["name"]
        elif name == "contentBlockDelta":
            delta = body["delta"]
            if "text" in delta:
                seen["text"] += delta["text"]
                seen["text_deltas"] += 1
            elif "toolUse" in delta:
                seen["tool_input"] += delta["toolUse"]["input"]
                seen["tool_input_deltas"] += 1
        elif name == "messageStop":
            seen["stop_reason"] = body["stopReason"]
        elif name == "metadata":
            seen["usage"] = body["usage"]
    if seen["tool_input"]:
        seen["tool_input"] = json.loads(seen["tool_input"])
    return seen


def invoke_model(client):
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 100,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "native hello"}]}],
    }
    out = client.invoke_model(modelId=HAIKU, body=json.dumps(body),
                              contentType="application/json", accept="application/json")
    answer = json.loads(out["body"].read())
    return {"content_type": out["contentType"], "text": answer["content"][0]["text"],
            "stop_reason": answer["stop_reason"]}


def validation_error(client):
    try:
        client.converse(modelId=NOVA, messages=[{"role": "assistant", "content": [{"text": "hi"}]}])
    except ClientError as e:
        return {"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"],
                "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
    return {"code": None}


def retried_throttling():
    """Standard retries (3 attempts) get past a rule that throttles the first two calls."""
    client = make_client(attempts=3)
    out = client.converse(modelId=NOVA, messages=[user("throttle twice")])
    return {
        "text": out["output"]["message"]["content"][0]["text"],
        "attempts": out["ResponseMetadata"].get("RetryAttempts", 0) + 1,
    }


def outcome(call):
    """ "ok", or the error code and message Bedrock's answer carried."""
    try:
        call()
    except ClientError as e:
        return {"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"],
                "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
    return "ok"


def lifecycle():
    """Claude 3.5 Haiku on each day, through the four operations that name a model."""
    profile = "us." + HAIKU_3_5
    native = json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50,
                         "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]})
    report = {}
    for day, endpoint in json.loads(os.environ["BEDROCK_LOCAL_LIFECYCLE"]).items():
        client = make_client(attempts=1, endpoint=endpoint)

        def stream():
            for _ in client.converse_stream(modelId=profile, messages=[user("hello there")])["stream"]:
                pass

        report[day] = {
            "converse": outcome(lambda: client.converse(modelId=profile, messages=[user("hello there")])),
            "converse_stream": outcome(stream),
            "invoke_model": outcome(lambda: client.invoke_model(
                modelId=profile, body=native, contentType="application/json")),
            "count_tokens": outcome(lambda: client.count_tokens(
                modelId=HAIKU_3_5, input={"converse": {"messages": [user("hello there")]}})),
        }
    return report


def count_tokens(client):
    """The bare id of a profile-only model is counted; its profile and a Nova model are refused."""
    question = {"converse": {"messages": [user("count these words please")]}}
    counted = client.count_tokens(modelId=HAIKU.removeprefix("us."), input=question)
    return {
        "bare_id": counted["inputTokens"],
        "profile": outcome(lambda: client.count_tokens(modelId=HAIKU, input=question)),
        "nova": outcome(lambda: client.count_tokens(modelId=NOVA, input=question)),
    }


# One token per word by the endpoint's count: 5,000 tokens, above Claude Haiku 4.5's 4,096.
CACHED_SYSTEM = " ".join(["cache", "prefix", "token", "words"] * 1250)
CACHE_POINT = {"cachePoint": {"type": "default"}}


def advance_clock(endpoint, seconds):
    request = urllib.request.Request(
        endpoint + "/_local/clock", data=json.dumps({"advance_seconds": seconds}).encode(),
        headers={"content-type": "application/json"}, method="POST")
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


def prompt_cache():
    """A cachePoint written, read, expired by the test clock, refused five times over, streamed."""
    endpoint = os.environ["BEDROCK_LOCAL_CLOCK_ENDPOINT"]
    client = make_client(attempts=1, endpoint=endpoint)
    system = [{"text": CACHED_SYSTEM}, CACHE_POINT]

    def ask(system=system):
        return client.converse(modelId=HAIKU, system=system, messages=[user("hello there")])["usage"]

    def streamed():
        usage = None
        for event in client.converse_stream(modelId=HAIKU, system=system, messages=[user("hello there")])["stream"]:
            if "metadata" in event:
                usage = event["metadata"]["usage"]
        return usage

    report = {"write": ask(), "read": ask(), "streamed_read": streamed()}
    report["clock"] = advance_clock(endpoint, 301)
    report["after_expiry"] = ask()
    five = [block for _ in range(5) for block in ({"text": "Be brief."}, CACHE_POINT)]
    report["five_checkpoints"] = outcome(lambda: ask(system=five))
    return report


def thinking_converse(client):
    """Claude with thinking: signed reasoning first; the tool loop sends it back as received."""
    def ask(messages, **extra):
        return client.converse(modelId=SONNET, messages=messages, inferenceConfig={"maxTokens": 4096},
                               additionalModelRequestFields=THINKING, **extra)

    content = ask([user("think first: 6 x 7?")])["output"]["message"]["content"]
    question = user("What's the weather in Paris?")
    call = ask([question], toolConfig=WEATHER_TOOL)["output"]["message"]
    tool_id = next(b["toolUse"]["toolUseId"] for b in call["content"] if "toolUse" in b)
    result = {"role": "user", "content": [{"toolResult": {"toolUseId": tool_id, "content": [{"json": {"condition": "Sunny"}}]}}]}
    answer = ask([question, call, result], toolConfig=WEATHER_TOOL)["output"]["message"]["content"]
    return {
        "kinds": [next(iter(b)) for b in content],
        "reasoning": content[0]["reasoningContent"]["reasoningText"]["text"],
        "signed": len(content[0]["reasoningContent"]["reasoningText"].get("signature", "")) > 0,
        "text": content[1]["text"],
        "loop_kinds": [next(iter(b)) for b in answer],
        "loop_text": "".join(b.get("text", "") for b in answer),
    }


def thinking_stream(client):
    """ConverseStream with thinking: the kind of each delta in order, and what they carried."""
    out = client.converse_stream(modelId=SONNET, messages=[user("think first: 6 x 7?")],
                                 inferenceConfig={"maxTokens": 4096}, additionalModelRequestFields=THINKING)
    seen = {"deltas": [], "reasoning": "", "signatures": 0, "text": ""}
    for event in out["stream"]:
        delta = event.get("contentBlockDelta", {}).get("delta")
        if delta is None:
            continue
        if "reasoningContent" in delta:
            part = delta["reasoningContent"]
            if "text" in part:
                seen["reasoning"] += part["text"]
                kind = "reasoning"
            else:
                seen["signatures"] += 1
                kind = "signature"
        else:
            seen["text"] += delta.get("text", "")
            kind = "text"
        if not seen["deltas"] or seen["deltas"][-1] != kind:
            seen["deltas"].append(kind)
    return seen


TRIP = {
    "type": "object",
    "properties": {
        "traveller": {"$ref": "#/$defs/Person"},
        "city": {"type": "string"},
        "stops": {"type": "array", "items": {"$ref": "#/$defs/Stop"}},
    },
    "required": ["traveller", "city", "stops"],
    "additionalProperties": False,
    "$defs": {
        "Person": {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
                   "required": ["name", "age"], "additionalProperties": False},
        "Stop": {"type": "object", "properties": {"place": {"type": "string"}, "kind": {"enum": ["museum", "park"]}},
                 "required": ["place", "kind"], "additionalProperties": False},
    },
}


def structured_output(client):
    """outputConfig.textFormat with a nested schema: the answer text parsed as JSON."""
    out = client.converse(
        modelId=HAIKU, messages=[user("Plan a trip for name Ada Lovelace, age 36, to city Lisbon.")],
        outputConfig={"textFormat": {"type": "json_schema", "structure": {
            "jsonSchema": {"schema": json.dumps(TRIP), "name": "trip", "description": "A trip plan"}}}})
    return {"schema": TRIP, "value": json.loads(out["output"]["message"]["content"][0]["text"])}


DEMO_GUARDRAIL = {"guardrailIdentifier": "workshop-demo", "guardrailVersion": "1", "trace": "enabled"}


def guardrails(client):
    """The shipped workshop-demo guardrail: a blocked topic, a masked e-mail with its trace, a
    sync stream, ApplyGuardrail, and an unknown id."""
    topic = client.converse(modelId=NOVA, messages=[user("Should I invest in Tesla stock?")],
                            guardrailConfig=DEMO_GUARDRAIL)
    masked = client.converse(modelId=NOVA, messages=[user("Give me your contact details")],
                             guardrailConfig=DEMO_GUARDRAIL)
    output = masked["trace"]["guardrail"]["outputAssessments"]["workshop-demo"][0]
    text, stop, streamed_trace = "", None, None
    for event in client.converse_stream(modelId=NOVA, messages=[user("What is your market outlook?")],
                                        guardrailConfig=dict(DEMO_GUARDRAIL, streamProcessingMode="sync"))["stream"]:
        if "contentBlockDelta" in event:
            text += event["contentBlockDelta"]["delta"].get("text", "")
        if "messageStop" in event:
            stop = event["messageStop"]["stopReason"]
        if "metadata" in event:
            streamed_trace = event["metadata"].get("trace", {}).get("guardrail", {})
    applied = client.apply_guardrail(guardrailIdentifier="workshop-demo", guardrailVersion="1", source="OUTPUT",
                                     content=[{"text": {"text": "Mail jane@example.com"}}])
    return {
        "topic": {"text": topic["output"]["message"]["content"][0]["text"], "stop_reason": topic["stopReason"],
                  "usage": topic["usage"], "trace": topic["trace"]["guardrail"]["inputAssessment"]["workshop-demo"]["topicPolicy"]},
        "masked": {"text": masked["output"]["message"]["content"][0]["text"], "stop_reason": masked["stopReason"],
                   "pii": output["sensitiveInformationPolicy"]["piiEntities"],
                   "model_output": masked["trace"]["guardrail"]["modelOutput"]},
        "stream": {"text": text, "stop_reason": stop,
                   "topics": streamed_trace["outputAssessments"]["workshop-demo"][0]["topicPolicy"]["topics"]},
        "apply": {"action": applied["action"], "outputs": applied["outputs"],
                  "pii": applied["assessments"][0]["sensitiveInformationPolicy"]["piiEntities"]},
        "unknown": outcome(lambda: client.converse(modelId=NOVA, messages=[user("hello there")],
                                                   guardrailConfig={"guardrailIdentifier": "nosuchguardrail", "guardrailVersion": "1"})),
        "unknown_apply": outcome(lambda: client.apply_guardrail(guardrailIdentifier="nosuchguardrail", guardrailVersion="1",
                                                                source="INPUT", content=[{"text": {"text": "hi"}}])),
    }


def replayable(client):
    """What must be the same through the recorder and from its recording."""
    out = client.converse(modelId=NOVA, messages=[user("hello there")])
    return {
        "converse": {"output": out["output"], "stop_reason": out["stopReason"],
                     "usage": out["usage"], "metrics": out["metrics"]},
        "stream_text": converse_stream(client, NOVA, [user("hello there")]),
        "stream_tool": converse_stream(client, HAIKU, [user("What's the weather in Paris?")], WEATHER_TOOL),
        "invoke_model": invoke_model(client),
        "error": outcome(lambda: client.converse(modelId=NOVA, messages=[user("access denied, please")])),
        # The tool loop sends the upstream's reasoning signature back: replay must accept it.
        "thinking": thinking_converse(client),
    }


def make_client(attempts, endpoint=None):
    return boto3.client(
        "bedrock-runtime",
        endpoint_url=endpoint or os.environ["BEDROCK_LOCAL_ENDPOINT"],
        config=Config(retries={"max_attempts": attempts, "mode": "standard"}),
    )


def main():
    client = make_client(attempts=1)
    if sys.argv[1:] == ["replayable"]:
        json.dump(replayable(client), sys.stdout)
        return
    report = {
        "boto3": boto3.__version__,
        "botocore": botocore.__version__,
        "converse": converse(client),
        "stream_text": converse_stream(client, NOVA, [user("hello there")]),
        "stream_tool": converse_stream(client, HAIKU, [user("What's the weather in Paris?")], WEATHER_TOOL),
        "invoke_model": invoke_model(client),
        "error": validation_error(client),
        "throttled_then_answered": retried_throttling(),
        "count_tokens": count_tokens(client),
        "lifecycle": lifecycle(),
        "prompt_cache": prompt_cache(),
        "thinking": thinking_converse(client),
        "thinking_stream": thinking_stream(client),
        "structured": structured_output(client),
        "guardrails": guardrails(client),
    }
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
