"""Plans and credit packs on sale, parsed from two settings (pure).

`AUTOCREA_PRICING_PLANS` is `name:credits:price[:stripe_price_id]` per monthly plan and
`AUTOCREA_CREDIT_PACKS` is `credits:price[:stripe_price_id]` per one-off pack, comma-separated. The
price id sits beside what it sells, so a plan and its Stripe price can never drift apart in two
settings; without one, a checkout describes the price inline (fine for the local Stripe and tests).
A pack is named by its credits ("250"), a plan by its name ("Pro").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ItemKind = Literal["pack", "plan"]


@dataclass(frozen=True)
class Plan:
    name: str
    credits: int  # per month
    price: int  # whole currency units per month
    price_id: str | None = None  # the Stripe price (a monthly recurring one)

    @property
    def id(self) -> str:
        return self.name


@dataclass(frozen=True)
class Pack:
    credits: int
    price: int
    price_id: str | None = None  # the Stripe price (a one-off one)

    @property
    def id(self) -> str:
        return str(self.credits)


def _fields(item: str, counts: tuple[int, int], setting: str, shape: str) -> list[str]:
    parts = [p.strip() for p in item.split(":")]
    if len(parts) not in counts or not all(parts):
        raise ValueError(f"{setting}: {item!r} is not {shape}")
    return parts


def _amount(text: str, setting: str) -> int:
    if not text.isdigit() or int(text) <= 0:
        raise ValueError(f"{setting}: {text!r} is not a positive whole number")
    return int(text)


def _price_id(parts: list[str], index: int, setting: str) -> str | None:
    if len(parts) <= index:
        return None
    if not parts[index].startswith("price_"):
        raise ValueError(f"{setting}: {parts[index]!r} is not a Stripe price id (price_…)")
    return parts[index]


def parse_plans(value: str, *, setting: str = "AUTOCREA_PRICING_PLANS") -> list[Plan]:
    """`Pro:1000:19:price_1Abc,Team:5000:79` → plans (name, credits a month, monthly price, price id)."""
    plans: list[Plan] = []
    for item in (i for i in value.split(",") if i.strip()):
        parts = _fields(item, (3, 4), setting, "name:credits:price[:price_id]")
        name = parts[0]
        if any(plan.name.lower() == name.lower() for plan in plans):
            raise ValueError(f"{setting}: the plan {name!r} is listed twice")
        plans.append(
            Plan(
                name=name,
                credits=_amount(parts[1], setting),
                price=_amount(parts[2], setting),
                price_id=_price_id(parts, 3, setting),
            )
        )
    return plans


def parse_packs(value: str, *, setting: str = "AUTOCREA_CREDIT_PACKS") -> list[Pack]:
    """`250:5:price_1Xyz,1000:15` → one-off packs (credits, price, price id)."""
    packs: list[Pack] = []
    for item in (i for i in value.split(",") if i.strip()):
        parts = _fields(item, (2, 3), setting, "credits:price[:price_id]")
        pack = Pack(
            credits=_amount(parts[0], setting),
            price=_amount(parts[1], setting),
            price_id=_price_id(parts, 2, setting),
        )
        if any(other.credits == pack.credits for other in packs):
            raise ValueError(f"{setting}: a pack of {pack.credits} credits is listed twice")
        packs.append(pack)
    return packs


@dataclass(frozen=True)
class Catalog:
    """Everything on sale, in one currency."""

    plans: tuple[Plan, ...]
    packs: tuple[Pack, ...]
    currency: str

    def plan(self, item: str) -> Plan | None:
        return next((p for p in self.plans if p.id.lower() == item.strip().lower()), None)

    def pack(self, item: str) -> Pack | None:
        return next((p for p in self.packs if p.id == item.strip()), None)


def catalog_from(*, plans: str, packs: str, currency: str) -> Catalog:
    return Catalog(
        plans=tuple(parse_plans(plans)), packs=tuple(parse_packs(packs)), currency=currency.upper()
    )
