"""The Notification model moves to the outbox app. State only: the table keeps its name
(`practice_notification`) and its rows; `outbox/0001` takes the model over."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("practice", "0004_notification_context"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Notification")],
            database_operations=[],
        ),
    ]
