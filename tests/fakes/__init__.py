"""Hand-written stand-ins shared by the tests: a scripted chat model and a scripted OpenAI server."""
