"""Tests of the LLM engine, its tools and providers (scripted model and a scripted OpenAI server)."""
