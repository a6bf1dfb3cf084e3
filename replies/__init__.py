"""The pure core of antirelous: what a message is, what we answer, and why.

Nothing here imports from ``bots``, ``channels`` or ``storage``; those packages plug into the
core through the Protocols in :mod:`replies.ports`.
"""
