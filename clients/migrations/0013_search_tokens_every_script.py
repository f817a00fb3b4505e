"""Name search folds case and accents in every script now (it used to drop every letter outside
ASCII, so Arabic, Greek, Cyrillic and CJK names had no tokens): recompute every member's tokens."""

from django.db import migrations


def rebuild(apps, schema_editor):
    from clients import search

    member_model = apps.get_model("clients", "Member")
    token_model = apps.get_model("clients", "MemberSearchToken")
    for member in member_model.objects.iterator(chunk_size=500):
        token_model.objects.filter(member=member).delete()
        digests = search.name_digests(member.first_name, member.last_name, member.preferred_name)
        token_model.objects.bulk_create(
            token_model(member=member, client_id=member.client_id, digest=d) for d in sorted(digests)
        )


class Migration(migrations.Migration):
    dependencies = [("clients", "0012_alter_consent_source")]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop, elidable=True)]
