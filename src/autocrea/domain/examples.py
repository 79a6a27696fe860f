"""The quick examples of the product spec: the UI offers them, the suite and benchmarks prove them."""

from __future__ import annotations

SEED_EXAMPLES: tuple[str, ...] = (
    "Crear e-commerce con pagos Stripe",
    "Landing page con formulario de contacto",
    "Blog con CMS y autenticación",
    "Dashboard con gráficos en tiempo real",
    "API REST con MongoDB",
    "Create a simple todo app",
)
