"""Model clients: one small interface, a JSON-Schema-constrained chat completion.

    base             `ChatModel` (system + user + JSON Schema -> `Completion`) and `Completion`
    llama_inprocess  llama-cpp-python in this process (the `local` backend's client)
    http_chat        any OpenAI-compatible endpoint: llama.cpp's servers, vLLM, Ollama, OpenAI

Strategies (`extractor.strategies`) are written against `ChatModel` only, so any strategy
runs over any client; tests use scripted fakes of the same protocol.
"""
