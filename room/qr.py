"""The join URL as a QR code, drawn server-side as SVG (segno)."""

from __future__ import annotations

import segno


def svg(url: str) -> str:
    """An inline SVG of ``url``'s QR code, scaled for a projector."""
    return segno.make(url, error="m").svg_inline(scale=6, border=2, dark="#111", light="#fff")
