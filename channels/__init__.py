"""One module per platform: verify a request, parse it into an ``Inbound``, format a
``Decision`` as that platform's answer. No decisions are taken here.
"""
