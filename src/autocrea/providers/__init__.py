"""Model adapters behind one Provider protocol.

protocol.py     Provider, ChatMessage, ChatRequest, Chunk, Usage, Completion
catalog.py      model capabilities from models.yml (context, edit format, JSON mode, prices)
classify.py     the one error table: SDK errors and statuses -> typed ProviderError, retryable or not
resilience.py   retries with jitter honouring retry-after, fallback chain, output bounds
select.py       `--model` parsing and building a chain from settings
joxcoder.py, openai_provider.py, anthropic_provider.py   the adapters (SDKs imported only there)

Keys never reach prompts (a prompt containing one is refused), errors (redacted) or reprs (SecretStr).
"""
