"""The generated datasets in generation order (customers first: the others reference them)."""

from __future__ import annotations

from functools import cache

from . import customers, support_tickets, transactions, web_events
from .spec import Spec

# The position of a dataset is part of its random seed: the order fixes the output.
_MODULES = (customers, transactions, web_events, support_tickets)


@cache
def specs() -> tuple[Spec, ...]:
    """Every dataset's spec (loads and checks the declarations once)."""
    return tuple(module.spec() for module in _MODULES)
