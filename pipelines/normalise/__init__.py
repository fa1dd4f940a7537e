"""Pure normalisers: the same identifier written differently becomes one key.

Every function takes raw text (or ``None``) and returns a key or ``None``; none of them raises on
any input, and applying one to its own output gives the same output (tested with hypothesis).
"""
