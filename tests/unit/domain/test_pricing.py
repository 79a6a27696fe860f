"""What is on sale comes from two settings, each item optionally with its Stripe price id; a
refund's share of credits is pure arithmetic."""

from __future__ import annotations

import pytest

from autocrea.domain.payments import credits_refunded
from autocrea.domain.pricing import Pack, Plan, catalog_from, parse_packs, parse_plans


def test_items_may_carry_their_stripe_price_id() -> None:
    assert parse_plans("Pro:1000:19:price_1Abc,Team:5000:79") == [
        Plan("Pro", 1000, 19, "price_1Abc"),
        Plan("Team", 5000, 79),
    ]
    assert parse_packs("250:5:price_9,1000:15") == [Pack(250, 5, "price_9"), Pack(1000, 15)]
    sold = catalog_from(plans="Pro:1000:19", packs="250:5", currency="eur")
    assert (
        sold.currency == "EUR" and sold.plan(" pro ") == Plan("Pro", 1000, 19) and sold.plan("Gold") is None
    )
    assert sold.pack("250") == Pack(250, 5) and sold.pack("251") is None


@pytest.mark.parametrize(
    ("plans", "packs", "message"),
    [
        ("Pro:1000:19:prod_1", "", "AUTOCREA_PRICING_PLANS: 'prod_1' is not a Stripe price id"),
        ("Pro:1000:19,pro:5:1", "", "AUTOCREA_PRICING_PLANS: the plan 'pro' is listed twice"),
        ("", "250:5,250:6", "AUTOCREA_CREDIT_PACKS: a pack of 250 credits is listed twice"),
        ("", "250:5:price_1:extra", "AUTOCREA_CREDIT_PACKS: '250:5:price_1:extra' is not credits:price"),
    ],
)
def test_a_bad_item_names_its_setting(plans: str, packs: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        catalog_from(plans=plans, packs=packs, currency="EUR")


def test_a_refund_covers_its_share_of_the_credits_rounded_in_the_buyers_favour() -> None:
    assert credits_refunded(credits=1000, amount=1500, refunded=1500) == 1000
    assert credits_refunded(credits=1000, amount=1500, refunded=750) == 500
    assert credits_refunded(credits=250, amount=500, refunded=1) == 0
    assert credits_refunded(credits=250, amount=500, refunded=0) == 0
    assert credits_refunded(credits=250, amount=0, refunded=10) == 0
    assert credits_refunded(credits=250, amount=500, refunded=900) == 250
