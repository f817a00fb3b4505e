"""The outbox takes over the Notification model from `practice` (state only: the table
`practice_notification`, its rows, indexes and constraints stay as they are). The content type
moves too, so admin permissions granted on it keep working."""

import django.db.models.deletion
import practice.fields
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor, old="practice", new="outbox"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    moved = ContentType.objects.filter(app_label=old, model="notification")
    if ContentType.objects.filter(app_label=new, model="notification").exists():
        moved.delete()
    else:
        moved.update(app_label=new)


def move_content_type_back(apps, schema_editor):
    move_content_type(apps, schema_editor, old="outbox", new="practice")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("clients", "0005_note_appointment"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("practice", "0005_notification_moves_to_outbox"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("kind", models.CharField(db_index=True, max_length=40)),
                        (
                            "channel",
                            models.CharField(
                                choices=[("email", "Email"), ("sms", "SMS")], default="email", max_length=8
                            ),
                        ),
                        ("key", models.CharField(max_length=200, unique=True)),
                        ("send_at", models.DateTimeField(db_index=True)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Waiting until due"),
                                    ("queued", "Queued for delivery"),
                                    ("sending", "Being sent"),
                                    ("sent", "Sent"),
                                    ("cancelled", "No longer wanted"),
                                    ("failed", "Failed"),
                                ],
                                db_index=True,
                                default="pending",
                                max_length=10,
                            ),
                        ),
                        ("target_type", models.CharField(blank=True, max_length=100)),
                        ("target_id", models.CharField(blank=True, max_length=64)),
                        ("address", practice.fields.EncryptedCharField(blank=True)),
                        (
                            "reference",
                            models.CharField(
                                blank=True, help_text="Non-identifying: a client or referral code.", max_length=40
                            ),
                        ),
                        ("context", models.JSONField(blank=True, default=dict)),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("queued_at", models.DateTimeField(blank=True, null=True)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        ("last_error", models.CharField(blank=True, max_length=200)),
                        (
                            "member",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to="clients.member",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "practice_notification",
                        "ordering": ["-send_at", "-pk"],
                        "indexes": [
                            models.Index(fields=["status", "send_at"], name="practice_no_status_1e7604_idx"),
                            models.Index(fields=["target_type", "target_id"], name="practice_no_target__f5ca58_idx"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
