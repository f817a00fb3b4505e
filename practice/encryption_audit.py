"""Walk every encrypted value in the database, as stored, and check it against the current keys.

Reads raw column values (no model conversion), so one bad row is reported rather than raised.
Used by `verify_encryption` and, later, by key rotation to prove no value needs an old key.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection

from practice import crypto
from practice.fields import encrypted_fields

BATCH = 2000


@dataclass
class EncryptionReport:
    checked: int = 0
    on_older_key: int = 0
    failures: list[str] = field(default_factory=list)  # "app.Model.field row <pk>"


def stored_values() -> Iterator[tuple[str, object, str]]:
    """Yield (location, pk, token) for every non-null encrypted value, model by model."""
    for model in apps.get_models():
        fields = encrypted_fields(model)
        if not fields:
            continue
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        pk = quote(model._meta.pk.column)
        sql = f"SELECT {pk}, {columns} FROM {quote(model._meta.db_table)} ORDER BY {pk}"  # nosec B608 # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql)
            while rows := cursor.fetchmany(BATCH):
                for row in rows:
                    for f, token in zip(fields, row[1:], strict=True):
                        if token is not None:
                            yield f"{model._meta.label}.{f.name}", row[0], token
    yield from _mfa_secrets()


def _mfa_secrets() -> Iterator[tuple[str, object, str]]:
    from allauth.mfa.models import Authenticator

    for pk, data in Authenticator.objects.values_list("pk", "data").iterator(chunk_size=BATCH):
        for key in ("secret", "seed"):
            if isinstance(data, dict) and data.get(key):
                yield f"mfa.Authenticator.data.{key}", pk, data[key]


def check_all() -> EncryptionReport:
    report = EncryptionReport()
    for location, pk, token in stored_values():
        report.checked += 1
        index = crypto.key_index(token if isinstance(token, str) else bytes(token).decode("ascii", "replace"))
        if index is None:
            report.failures.append(f"{location} row {pk}")
        elif index > 0:
            report.on_older_key += 1
    return report
