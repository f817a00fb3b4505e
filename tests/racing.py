"""Many people at once: each attempt in its own thread and database connection, released together."""

import threading

from django.db import connections


def at_once(attempt, count: int, *, expected: dict | None = None, timeout: float = 120) -> list:
    """Run `attempt(i)` for i in 0..count-1, all released by one barrier. Returns each attempt's
    result; an exception whose type `expected` names gives that name (`{SlotTaken: "taken"}`), any
    other "error: ..." (the failure a racing test looks for)."""
    expected = expected or {}
    barrier = threading.Barrier(count)
    outcomes = [None] * count

    def run(i):
        try:
            barrier.wait(timeout=30)
            outcomes[i] = attempt(i)
        except tuple(expected) as exc:
            outcomes[i] = next(label for kind, label in expected.items() if isinstance(exc, kind))
        except Exception as exc:  # noqa: BLE001 - anything else is the failure a racing test looks for
            outcomes[i] = f"error: {type(exc).__name__}: {exc}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return outcomes
