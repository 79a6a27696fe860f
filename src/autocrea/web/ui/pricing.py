"""Plans and credit packs for /pricing: the domain's parsing, under the names the pages use."""

from __future__ import annotations

from autocrea.domain.pricing import Pack, Plan, parse_packs, parse_plans

__all__ = ["Pack", "Plan", "parse_packs", "parse_plans"]
