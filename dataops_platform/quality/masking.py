"""Mask PII before a value leaves the lake (check samples, previews, alerts)."""

from __future__ import annotations

from typing import Any


def mask_value(value: Any) -> Any:
    """Keep the first character (and an email's domain ending) so a person can recognise the shape."""
    if value is None:
        return None
    text = str(value)
    if "@" in text:
        local, _, domain = text.partition("@")
        return f"{local[:1]}***@***{domain[-4:] if len(domain) > 4 else ''}"
    return text[:1] + "***" if text else text


def mask_row(row: dict[str, Any], pii_columns: list[str] | tuple[str, ...]) -> dict[str, Any]:
    return {k: (mask_value(v) if k in pii_columns else v) for k, v in row.items()}
