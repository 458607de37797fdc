"""Channels: the ways users reach the advisor (the web API and widget; the CLI lives in bot.cli).

Every channel calls :func:`bot.advisor.answer` and renders the typed ``Answer``; none of them
computes figures or reads the environment itself (``bot.config.Settings`` does).
"""
