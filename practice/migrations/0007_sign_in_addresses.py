"""Every existing account gets its sign-in address recorded as its verified primary address
(allauth's change-email flow needs it: without one, adding a new address blanked the old)."""

from django.db import migrations


def record_sign_in_addresses(apps, schema_editor):
    User = apps.get_model("practice", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    known = set(EmailAddress.objects.values_list("user_id", flat=True))
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user_id=user_id, email=email, primary=True, verified=True)
            for user_id, email in User.objects.exclude(email="").values_list("pk", "email")
            if user_id not in known
        ]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("practice", "0006_audit_admin_actions"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(record_sign_in_addresses, migrations.RunPython.noop)]
