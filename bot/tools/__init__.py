"""Pure calculator tools: typed functions without I/O whose docstrings are the tool descriptions.

Money is ``int`` yen and rates are :class:`fractions.Fraction`; invalid input raises
:class:`bot.errors.InputError` (with a Japanese and an English message).
"""
