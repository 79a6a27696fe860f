"""Theme: the CSS custom properties of a generated app, derived from the spec's three colours."""

from __future__ import annotations

from autocrea.domain.appspec import ThemeSpec

_Rgb = tuple[int, int, int]


def _rgb(hex_colour: str) -> _Rgb:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _hex(rgb: tuple[float, ...]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def mix(a: str, b: str, weight: float) -> str:
    """`weight` of colour b blended into colour a (0 -> a, 1 -> b)."""
    ra, rb = _rgb(a), _rgb(b)
    return _hex(tuple(x + (y - x) * weight for x, y in zip(ra, rb, strict=True)))


def luminance(hex_colour: str) -> float:
    """Relative luminance (WCAG 2)."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable(colour: str, background: str, towards: str, minimum: float) -> str:
    """`colour`, blended step by step towards `towards` until it reaches `minimum` contrast."""
    for step in range(11):
        candidate = mix(colour, towards, step / 10)
        if contrast(candidate, background) >= minimum:
            return candidate
    return towards


def css_variables(theme: ThemeSpec) -> dict[str, str]:
    """Custom properties for :root, lower-case hex, in a stable order."""
    bg, primary, text = theme.background.lower(), theme.primary.lower(), theme.text.lower()
    dark = luminance(bg) < 0.4
    on_primary = "#ffffff" if contrast(primary, "#ffffff") >= contrast(primary, "#111111") else "#111111"
    return {
        "bg": bg,
        "surface": mix(bg, text, 0.06),
        "surface-2": mix(bg, text, 0.12),
        "border": mix(bg, text, 0.28),
        "text": text,
        "muted": mix(text, bg, 0.3),
        "primary": primary,
        "link": readable(primary, bg, text, 4.5),
        "focus": readable(primary, bg, text, 3.0),
        "on-primary": on_primary,
        "danger": "#f87171" if dark else "#b91c1c",
        "success": "#4ade80" if dark else "#15803d",
        "color-scheme": "dark" if dark else "light",
    }
