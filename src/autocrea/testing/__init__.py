"""Local stand-ins for external systems, shipped for tests and benchmarks.

`FakeModelServer` is a protocol-faithful model server that the official SDKs (openai, anthropic,
huggingface_hub) talk to over real HTTP; respx cannot intercept the httpx2-based SDKs:

- OpenAI chat completions, `POST /v1/chat/completions`: JSON, or SSE chunks ending in
  `data: [DONE]`, with a usage chunk when `stream_options.include_usage` is set; `GET /v1/models`.
- Anthropic messages, `POST /v1/messages`: JSON, or SSE with named events (message_start ...
  message_stop); errors as `{"type": "error", "error": {...}}`.
- HF Inference / TGI: `POST /` (`[{"generated_text"}]`, or TGI's stream with `stream: true`),
  `/generate`, `/generate_stream`; TGI's OpenAI-compatible route is the OpenAI one above.

Replies are scripted per role (`ModelScript`, `Reply`): a request names its role on the first line
of its system prompt, `AUTOCREA role: <name>`. Faults (`Fault`): an HTTP status in the provider's
error shape with `retry-after`, a slow first token, a truncated stream, malformed JSON, chatty
prose instead of files. `Latency` sends token i at arrival + ttft + i / tokens_per_second, on an
absolute schedule; `FakeModelServer.emissions` logs planned and actual send times.

Tokens are ~4-character, whitespace-preserving chunks and prompt tokens are ceil(chars / 4): see
`autocrea.testing.text`. A request's `max_tokens` (`max_new_tokens` for TGI) cuts the reply short
with the provider's "length" stop reason.

`autocrea.testing.stripe_server.FakeStripe` is a local Stripe for the `stripe` SDK (customers,
Checkout with a page to pay or cancel, the Customer Portal, subscriptions renewed on demand,
refunds) that signs and delivers webhooks like Stripe, with retries, duplicates and any order.
"""

from autocrea.testing.latency import Emission, Latency
from autocrea.testing.model_server import FakeModelServer
from autocrea.testing.request import RecordedRequest
from autocrea.testing.script import PROSE, Fault, ModelScript, Reply

__all__ = [
    "PROSE",
    "Emission",
    "FakeModelServer",
    "Fault",
    "Latency",
    "ModelScript",
    "RecordedRequest",
    "Reply",
]
