"""The audit log's hash chain (archive/audit_chain.py): two columns, computed for every
existing entry in id order; and one entry per record whose drafts were discarded before
this migration, so fixity can check those versions' hashes against the chained log.
Thumbnails get a recorded SHA-256 like their images, taken from the files as they are now."""

import importlib

from django.db import migrations, models

from archive import audit_chain

append_only = importlib.import_module("archive.migrations.0004_roles_and_append_only_audit")


def chain_existing(apps, schema_editor):
    AuditEntry = apps.get_model("archive", "AuditEntry")
    db = schema_editor.connection.alias
    prev = audit_chain.GENESIS
    rows = AuditEntry.objects.using(db).order_by("id").values("id", *audit_chain.FIELDS)
    for row in rows.iterator(chunk_size=2000):
        digest = audit_chain.entry_hash(row, prev)
        AuditEntry.objects.using(db).filter(pk=row["id"]).update(prev_hash=prev, entry_hash=digest)
        prev = digest
    _record_discarded_drafts(apps, db, prev)


def _record_discarded_drafts(apps, db, prev):
    from django.utils import timezone

    AuditEntry = apps.get_model("archive", "AuditEntry")
    RecordVersion = apps.get_model("archive", "RecordVersion")
    discarded: dict[str, list] = {}
    versions = RecordVersion.objects.using(db).select_related("record").order_by("record", "number")
    for version in versions.iterator(chunk_size=2000):
        if isinstance(version.snapshot, dict) and version.snapshot.get("discarded"):
            discarded.setdefault(version.record.public_id, []).append(
                {
                    "number": version.number,
                    "version_hash": version.version_hash,
                    "content_hash": version.content_hash,
                }
            )
    for public_id, entries in discarded.items():
        values = {
            "at": timezone.now(),
            "actor_id": None,
            "actor_label": "",
            "action": "record.drafts_discarded",
            "target_type": "record",
            "target_id": public_id,
            "detail": {"versions": entries, "recorded_by": "migration 0012"},
            "channel": "command",
            "path": "",
            "ip_hash": "",
        }
        digest = audit_chain.entry_hash(values, prev)
        AuditEntry.objects.using(db).create(**values, prev_hash=prev, entry_hash=digest)
        prev = digest


def hash_thumbnails(apps, schema_editor):
    from django.core.files.storage import default_storage

    from archive import hashing

    Attachment = apps.get_model("archive", "Attachment")
    db = schema_editor.connection.alias
    for pk, name in Attachment.objects.using(db).values_list("pk", "thumbnail").iterator():
        try:
            with default_storage.open(name, "rb") as handle:
                digest = hashing.sha256_stream(handle)
        except (FileNotFoundError, ValueError):
            continue  # fixity reports the missing file
        Attachment.objects.using(db).filter(pk=pk).update(thumbnail_sha256=digest)


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0014_record_edit_version"),
    ]

    operations = [
        # The append-only triggers refuse the UPDATEs below; on SQLite a table rebuild would
        # drop them anyway. They are back before the migration ends.
        migrations.RunPython(append_only.triggers_down, append_only.triggers_up),
        migrations.AddField(
            model_name="auditentry",
            name="prev_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="entry_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="action",
            field=models.CharField(
                choices=[
                    ("record.view", "viewed a record"),
                    ("passage.view", "viewed a passage"),
                    ("search", "searched"),
                    ("export", "exported"),
                    ("auth.login", "signed in"),
                    ("auth.login_failed", "failed to sign in"),
                    ("auth.logout", "signed out"),
                    ("auth.locked_out", "locked out"),
                    ("grant.create", "granted access"),
                    ("grant.revoke", "revoked access"),
                    ("record.create", "created a record"),
                    ("record.edit", "edited a record"),
                    ("record.access", "changed who may see a record"),
                    ("record.publish", "published a record"),
                    ("record.withdraw", "withdrew a record"),
                    ("record.delete", "deleted a record"),
                    ("record.drafts_discarded", "discarded the text of drafts"),
                    ("account.change", "changed an account"),
                    ("object.change", "changed vocabulary, a source or a warning"),
                    ("object.delete", "deleted vocabulary, a source or a warning"),
                    ("audit.export", "exported the audit log"),
                    ("record.import", "imported records"),
                    ("collection.create", "created a collection"),
                    ("collection.edit", "changed a collection"),
                    ("collection.publish", "published a collection version"),
                ],
                db_index=True,
                max_length=32,
            ),
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.AddField(
            model_name="attachment",
            name="thumbnail_sha256",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="historicalattachment",
            name="thumbnail_sha256",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.RunPython(hash_thumbnails, migrations.RunPython.noop),
        migrations.RunPython(append_only.triggers_up, append_only.triggers_down),
    ]
