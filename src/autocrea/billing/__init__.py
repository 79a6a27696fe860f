"""Billing: the credits ledger and what payments do to it (database only; Stripe I/O is in
autocrea.payments, called by the web layer, which hands the results here as plain values).

credits.py          the append-only credits ledger: trial and manual grants, purchases, holds
payments.py         Stripe events applied once each: purchases, plan state, refunds taken back
reconciliation.py   every account's ledger checked against itself and its holds
"""
