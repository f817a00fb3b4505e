"""Key rotation: re-encrypt every stored encrypted value with the newest key, then prove it.

The runbook (README, "Rotating the encryption key"): put the new key first in FIELD_ENCRYPTION_KEY
and keep the old ones after it, deploy, run `manage.py rotate_encryption_key`, and remove the old key
only when `verify_encryption` says no value still uses it.

How a pass works, table by table:

- Rows are read and written in batches of `batch_size`, one transaction per batch, in primary-key
  order (keyset pagination, so a batch never re-reads a row). On PostgreSQL the batch's rows are
  locked (`SELECT ... FOR UPDATE`); on SQLite every atomic block already holds the write lock
  (`transaction_mode=IMMEDIATE`). So a user who saves a row while the rotation runs can never have
  their new value overwritten by a stale one.
- A value already on the newest key is left alone (a second run re-encrypts nothing). A value on an
  older key is decrypted and encrypted again with `practice.crypto`, and written back with a raw SQL
  UPDATE of that column by primary key: no model `save()`, no signals, no `auto_now` timestamps.
- A value that no configured key decrypts is left untouched and reported by location
  (`app.Model.field row <pk>`), never printed.
- allauth's TOTP secrets and recovery-code seeds (JSON in `mfa.Authenticator.data`) are re-encrypted
  the same way.

Afterwards the member search index is rebuilt (its digests are keyed by a key derived from the
newest field key), and `check_all()` must find no value on an older key and none that fails.
"""

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection, models, transaction

from practice import crypto
from practice.encryption_audit import EncryptionReport, check_all
from practice.fields import encrypted_fields

BATCH_SIZE = 500

# Steps that rebuild what is keyed from the newest field key (e.g. the member search index), each
# returning how many rows it rebuilt. Apps register theirs from `AppConfig.ready`, so the ground
# never imports them.
_REINDEX_STEPS: dict[str, Callable[[], int]] = {}


def register_reindex(name: str, step: Callable[[], int]) -> None:
    """Run `step` after every rotation; `name` says what it rebuilds ("the member search index")."""
    _REINDEX_STEPS[name] = step


MFA_KEYS = ("secret", "seed")  # the Authenticator.data entries allauth encrypts through our adapter
MFA_LOCATION = "mfa.Authenticator.data"


@dataclass
class RotationReport:
    values: int = 0  # encrypted values looked at
    reencrypted: Counter = field(default_factory=Counter)  # location → values moved to the newest key
    failures: list[str] = field(default_factory=list)  # "app.Model.field row <pk>": no key decrypts it
    members_reindexed: int | None = None  # rows the registered re-index steps rebuilt; None: one failed
    unrebuilt: list[str] = field(default_factory=list)  # what could not be rebuilt (a value does not decrypt)
    final: EncryptionReport | None = None  # the proof, read after everything else

    @property
    def reencrypted_total(self) -> int:
        return sum(self.reencrypted.values())

    @property
    def problems(self) -> list[str]:
        """What still stands between this database and 'every value on the newest key'."""
        found = [f"does not decrypt: {location}" for location in self.failures]
        for name in self.unrebuilt:
            found.append(f"{name} could not be rebuilt (a value it is built from does not decrypt)")
        if self.final is not None:
            found += [f"does not decrypt: {loc}" for loc in self.final.failures if loc not in self.failures]
            if self.final.on_older_key:
                found.append(f"{self.final.on_older_key} values still use an older key")
        return found


def rotate_encryption_key(
    *, batch_size: int = BATCH_SIZE, progress: Callable[[str], None] | None = None
) -> RotationReport:
    """Re-encrypt everything not on the newest key, rebuild the search index, then check it all."""
    say = progress or (lambda message: None)
    report = RotationReport()
    for model in _models_with_encrypted_fields():
        _rotate_table(model, report, batch_size)
        say(_table_line(model, report))
    _rotate_mfa_secrets(report, batch_size)
    say(f"{MFA_LOCATION}: {report.reencrypted[MFA_LOCATION]} re-encrypted")

    report.members_reindexed = 0
    for name, step in _REINDEX_STEPS.items():
        try:
            report.members_reindexed += step()
        except crypto.DecryptionError:
            report.members_reindexed = None
            report.unrebuilt.append(name)
            break
    report.final = check_all()
    return report


# --- Tables with encrypted columns ----------------------------------------------------------------


def _models_with_encrypted_fields() -> Iterator[type[models.Model]]:
    seen: set[str] = set()
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table in seen or not encrypted_fields(model):
            continue
        seen.add(meta.db_table)
        yield model


def _rotate_table(model: type[models.Model], report: RotationReport, batch_size: int) -> None:
    quote = connection.ops.quote_name
    fields = encrypted_fields(model)
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    columns = ", ".join(quote(f.column) for f in fields)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    after = None
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            where = "" if after is None else f" WHERE {pk} > %s"
            params = [] if after is None else [after]
            select = f"SELECT {pk}, {columns} FROM {table}{where} ORDER BY {pk} LIMIT %s{lock}"  # nosec B608 # noqa: S608
            cursor.execute(select, [*params, batch_size])
            rows = cursor.fetchall()
            for row in rows:
                changed = {}
                for f, token in zip(fields, row[1:], strict=True):
                    location = f"{model._meta.label}.{f.name}"
                    new = _reencrypted(token, location, row[0], report)
                    if new is not None:
                        changed[f] = new
                        report.reencrypted[location] += 1
                if changed:
                    assignments = ", ".join(f"{quote(f.column)} = %s" for f in changed)
                    update = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # nosec B608 # noqa: S608
                    cursor.execute(update, [*changed.values(), row[0]])
        if len(rows) < batch_size:
            return
        after = rows[-1][0]


def _reencrypted(token, location: str, pk, report: RotationReport) -> str | None:
    """The token encrypted with the newest key, or None when it needs no change (or cannot change)."""
    if token is None:
        return None
    report.values += 1
    if isinstance(token, bytes | memoryview):
        token = bytes(token).decode("ascii", "replace")
    index = crypto.key_index(token)
    if index is None:
        report.failures.append(f"{location} row {pk}")
        return None
    if index == 0:
        return None
    return crypto.encrypt_str(crypto.decrypt_str(token))


def _table_line(model: type[models.Model], report: RotationReport) -> str:
    label = model._meta.label
    moved = sum(n for location, n in report.reencrypted.items() if location.startswith(f"{label}."))
    return f"{label}: {moved} re-encrypted"


# --- allauth's second-factor secrets --------------------------------------------------------------


def _rotate_mfa_secrets(report: RotationReport, batch_size: int) -> None:
    from allauth.mfa.models import Authenticator

    after = 0
    while True:
        with transaction.atomic():
            batch = list(
                Authenticator.objects.select_for_update()
                .filter(pk__gt=after)
                .order_by("pk")
                .values_list("pk", "data")[:batch_size]
            )
            for pk, data in batch:
                new_data = _mfa_data_reencrypted(pk, data, report)
                if new_data is not None:
                    # A queryset update: no save(), no signals; only this row's JSON.
                    Authenticator.objects.filter(pk=pk).update(data=new_data)
        if len(batch) < batch_size:
            return
        after = batch[-1][0]


def _mfa_data_reencrypted(pk, data, report: RotationReport) -> dict | None:
    if not isinstance(data, dict):
        return None
    new_data = dict(data)
    for key in MFA_KEYS:
        if data.get(key):
            new = _reencrypted(data[key], f"{MFA_LOCATION}.{key}", pk, report)
            if new is not None:
                new_data[key] = new
                report.reencrypted[MFA_LOCATION] += 1
    # Codes migrated from an older allauth are a list of encrypted strings (verify_encryption does
    # not read them; they are rotated all the same so no secret is left on an old key).
    codes = data.get("migrated_codes")
    if isinstance(codes, list):
        rotated = [_reencrypted(code, f"{MFA_LOCATION}.migrated_codes", pk, report) for code in codes]
        if any(code is not None for code in rotated):
            new_data["migrated_codes"] = [new or old for new, old in zip(rotated, codes, strict=True)]
            report.reencrypted[MFA_LOCATION] += sum(code is not None for code in rotated)
    return new_data if new_data != data else None
