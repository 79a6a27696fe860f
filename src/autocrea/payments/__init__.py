"""Payments through Stripe: the only package that imports the `stripe` SDK.

gateway.py   Stripe API calls: customers, Checkout sessions, the Customer Portal, re-reading objects
webhook.py   a webhook delivery verified by the SDK (signature, 300 s tolerance) and read into
             domain values (domain/payments.py) that billing/payments.py applies to the ledger

It sits beside billing, not inside it: billing uses only storage, domain, errors and config, so the
web layer calls this adapter for I/O and hands billing plain values.
"""
