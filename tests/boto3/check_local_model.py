"""boto3 against bedrock-local backed by a real model server, reported as one JSON object.

Run by tests/sdk_boto3.rs. BEDROCK_LOCAL_ENDPOINT is an endpoint whose models map to the
server's model; BEDROCK_LOCAL_MISSING_ENDPOINT one whose models map to a model the server does
not have; BEDROCK_LOCAL_DOWN_ENDPOINT one whose server is not running. All are signed with
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for AWS_DEFAULT_REGION. Nothing is asserted here: the
Rust test asserts on the printed JSON.
"""

import json
import os

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

NOVA = "amazon.nova-micro-v1:0"
HAIKU = "us.anthropic.claude-haiku-4-5-20251001-v1:0"

CITY_TOOL = {
    "tools": [
        {
            "toolSpec": {
                "name": "get_weather",
                "description": "Current weather of a city",
                "inputSchema": {
                    "json": {
                        "type": "object",
                        "properties": {"city": {"type": "string", "enum": ["Paris", "Berlin"]}},
                        "required": ["city"],
                    }
                },
            }
        }
    ],
    "toolChoice": {"tool": {"name": "get_weather"}},
}


def client(endpoint):
    return boto3.client(
        "bedrock-runtime",
        endpoint_url=endpoint,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def user(text):
    return {"role": "user", "content": [{"text": text}]}


def converse(c):
    out = c.converse(
        modelId=HAIKU,
        messages=[user("Say something.")],
        inferenceConfig={"maxTokens": 10, "temperature": 0.5},
    )
    return {
        "text": "".join(b.get("text", "") for b in out["output"]["message"]["content"]),
        "stop_reason": out["stopReason"],
        "usage": out["usage"],
        "marker": out["ResponseMetadata"]["HTTPHeaders"].get("x-bedrock-local"),
    }


def converse_stream(c):
    out = c.converse_stream(
        modelId=NOVA, messages=[user("Tell me more.")], inferenceConfig={"maxTokens": 16}
    )
    events, text, deltas, stop, usage = [], "", 0, None, None
    for event in out["stream"]:
        name = next(iter(event))
        events.append(name)
        if name == "contentBlockDelta" and "text" in event[name]["delta"]:
            text += event[name]["delta"]["text"]
            deltas += 1
        elif name == "messageStop":
            stop = event[name]["stopReason"]
        elif name == "metadata":
            usage = event[name]["usage"]
    return {"events": events, "text": text, "deltas": deltas, "stop_reason": stop, "usage": usage}


def tool_call(c):
    out = c.converse(
        modelId=HAIKU,
        messages=[user("Weather in Paris?")],
        toolConfig=CITY_TOOL,
        inferenceConfig={"maxTokens": 60},
    )
    calls = [b["toolUse"] for b in out["output"]["message"]["content"] if "toolUse" in b]
    return {"stop_reason": out["stopReason"], "calls": [{"name": t["name"], "input": t["input"]} for t in calls]}


def invoke(c):
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 8,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hello"}]}],
    }
    out = c.invoke_model(modelId=HAIKU, body=json.dumps(body))
    answer = json.loads(out["body"].read())
    return {"stop_reason": answer["stop_reason"], "text": answer["content"][0]["text"], "usage": answer["usage"]}


def refusal(c):
    try:
        c.converse(modelId=NOVA, messages=[user("hello")])
    except ClientError as e:
        return {"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"]}
    return {"code": None}


def main():
    c = client(os.environ["BEDROCK_LOCAL_ENDPOINT"])
    report = {
        "converse": converse(c),
        "converse_stream": converse_stream(c),
        "tool_call": tool_call(c),
        "invoke": invoke(c),
        "missing_model": refusal(client(os.environ["BEDROCK_LOCAL_MISSING_ENDPOINT"])),
        "server_down": refusal(client(os.environ["BEDROCK_LOCAL_DOWN_ENDPOINT"])),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
