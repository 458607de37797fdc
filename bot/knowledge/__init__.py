"""The knowledge base: source documents (the corpus we cite) and programme facts."""
