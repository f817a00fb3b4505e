"""Who a unit may release information to. Referrers live on a floor above this app, so the app that
knows them registers a source from its `AppConfig.ready()` (the front desk does, from referrals)."""

from collections.abc import Callable

_SOURCE: list[Callable] = []


def register_referrer_source(source: Callable) -> None:
    """`source(client) -> list[tuple[int, str]]`: the referrers (id, name) of the unit."""
    _SOURCE[:] = [source]


def referrers_for(client) -> list[tuple[int, str]]:
    return list(_SOURCE[0](client)) if _SOURCE else []
