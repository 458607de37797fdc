"""The agent layer: engines (LLM tool-calling, offline dialogue manager) over one Toolkit."""
