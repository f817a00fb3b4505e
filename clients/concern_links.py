"""A unit's (or a referral's) presenting concerns, stored as keyed digests of the concern's slug.

The concern taxonomy itself is public (it ships with the product), so a plain join row between a
client and a concern would tell anyone holding a copy of the database what the client came for.
Here each link is an HMAC-SHA256 of the slug (a blind index, keyed from the newest field key, as
the name search is): filtering still works with the key, a copy without it shows only opaque
digests. `owner.concerns` reads and writes the links much like a related manager.

After a key rotation `concern_index_rebuild` rewrites every digest with the new key (the old key is
still configured then, so each old digest can be recognised).
"""

from __future__ import annotations

import hashlib
import hmac

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from practice import crypto

PURPOSE = "practice.concern-index.v1"


def concern_digest(slug: str, key: bytes | None = None) -> str:
    return hmac.new(key or crypto.derived_key(PURPOSE), slug.encode(), hashlib.sha256).hexdigest()


_TAXONOMY: dict[bytes, dict] = {}  # per derived key: {digest: Concern}


def _taxonomy(key: bytes | None = None) -> dict:
    """{digest: Concern} for every concern of the taxonomy under `key` (default: the newest)."""
    from clients.models import Concern

    key = key or crypto.derived_key(PURPOSE)
    if key not in _TAXONOMY:
        _TAXONOMY[key] = {concern_digest(c.slug, key): c for c in Concern.objects.order_by("order", "name")}
    return _TAXONOMY[key]


def _forget_taxonomy(**kwargs) -> None:
    _TAXONOMY.clear()


def connect_taxonomy_signals() -> None:
    from clients.models import Concern

    post_save.connect(_forget_taxonomy, sender=Concern, dispatch_uid="concern-taxonomy-save")
    post_delete.connect(_forget_taxonomy, sender=Concern, dispatch_uid="concern-taxonomy-delete")


def digest_of(concern) -> str:
    return concern_digest(concern.slug)


def intensive_digests() -> list[str]:
    return [digest for digest, concern in _taxonomy().items() if concern.intensive]


class ConcernLinks:
    """`owner.concerns`: the owner's concerns through their digests (`owner.concern_tokens`)."""

    def __init__(self, owner, token_model, owner_field: str):
        self.owner, self.token_model, self.owner_field = owner, token_model, owner_field

    def _digests(self) -> list[str]:
        cached = getattr(self.owner, "_prefetched_objects_cache", {}).get("concern_tokens")
        if cached is not None:
            return [token.digest for token in cached]
        return list(self.token_model.objects.filter(**{self.owner_field: self.owner}).values_list("digest", flat=True))

    def list(self) -> list:
        """The concerns, in the taxonomy's order. No query when the tokens were prefetched."""
        digests = set(self._digests())
        taxonomy = _taxonomy()
        if digests - set(taxonomy):
            _forget_taxonomy()  # a concern added since the taxonomy was read
            taxonomy = _taxonomy()
        return [concern for digest, concern in taxonomy.items() if digest in digests]

    def ids(self) -> list[int]:
        return [concern.pk for concern in self.list()]

    def all(self):
        from clients.models import Concern

        return Concern.objects.filter(pk__in=self.ids())

    def filter(self, **lookups):
        return self.all().filter(**lookups)

    def values_list(self, *fields, **options):
        return self.all().values_list(*fields, **options)

    def count(self) -> int:
        return len(self._digests())

    def exists(self) -> bool:
        return bool(self._digests())

    @transaction.atomic
    def set(self, concerns) -> None:
        wanted = {digest_of(c) for c in concerns}
        mine = self.token_model.objects.filter(**{self.owner_field: self.owner})
        mine.exclude(digest__in=wanted).delete()
        self._create(wanted - set(mine.values_list("digest", flat=True)))

    def add(self, *concerns) -> None:
        mine = self.token_model.objects.filter(**{self.owner_field: self.owner})
        self._create({digest_of(c) for c in concerns} - set(mine.values_list("digest", flat=True)))

    def add_to_new(self, *concerns) -> None:
        """For an owner just created (nothing to compare with): one insert, no read."""
        self._create({digest_of(c) for c in concerns})

    def clear(self) -> None:
        self.token_model.objects.filter(**{self.owner_field: self.owner}).delete()

    def _create(self, digests) -> None:
        self.token_model.objects.bulk_create(
            [self.token_model(**{self.owner_field: self.owner, "digest": d}) for d in sorted(digests)]
        )
        getattr(self.owner, "_prefetched_objects_cache", {}).pop("concern_tokens", None)


def concern_index_rebuild(model) -> int:
    """Rewrite every digest of `model` (a token model) with the newest key. Returns how many changed."""
    newest = crypto.derived_key(PURPOSE)
    by_old = {}
    for key in crypto.derived_keys(PURPOSE):
        for digest, concern in _taxonomy(key).items():
            by_old.setdefault(digest, concern)
    rebuilt = 0
    with transaction.atomic():
        for token in model.objects.select_for_update().all():
            concern = by_old.get(token.digest)
            new = concern_digest(concern.slug, newest) if concern else token.digest
            if new != token.digest:
                model.objects.filter(pk=token.pk).update(digest=new)
                rebuilt += 1
    return rebuilt
