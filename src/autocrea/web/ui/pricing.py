"""Plans and credit packs for /pricing, parsed from two settings (pure)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    name: str
    credits: int  # per month
    price: int  # whole currency units per month


@dataclass(frozen=True)
class Pack:
    credits: int
    price: int


def _fields(item: str, count: int, setting: str, shape: str) -> list[str]:
    parts = [p.strip() for p in item.split(":")]
    if len(parts) != count or not all(parts):
        raise ValueError(f"{setting}: {item!r} is not {shape}")
    return parts


def _amount(text: str, setting: str) -> int:
    if not text.isdigit() or int(text) <= 0:
        raise ValueError(f"{setting}: {text!r} is not a positive whole number")
    return int(text)


def parse_plans(value: str, *, setting: str = "AUTOCREA_PRICING_PLANS") -> list[Plan]:
    """`Pro:1000:19,Team:5000:79` → plans (name, credits per month, monthly price)."""
    plans = []
    for item in (i for i in value.split(",") if i.strip()):
        name, amount, price = _fields(item, 3, setting, "name:credits:price")
        plans.append(Plan(name=name, credits=_amount(amount, setting), price=_amount(price, setting)))
    return plans


def parse_packs(value: str, *, setting: str = "AUTOCREA_CREDIT_PACKS") -> list[Pack]:
    """`250:5,1000:15` → one-off packs (credits, price)."""
    packs = []
    for item in (i for i in value.split(",") if i.strip()):
        amount, price = _fields(item, 2, setting, "credits:price")
        packs.append(Pack(credits=_amount(amount, setting), price=_amount(price, setting)))
    return packs
