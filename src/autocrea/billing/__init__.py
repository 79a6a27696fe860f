"""Billing: credits and (later) Stripe.

credits.py   the append-only credits ledger: trial grant, purchases, holds settled or released
"""
