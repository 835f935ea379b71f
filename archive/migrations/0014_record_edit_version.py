"""Record.edit_version: the number of the record's latest version, which an edit form carries
so that a save from a form opened before someone else's save is caught (docs/versions.md)."""

from django.db import migrations, models
from django.db.models import Max, OuterRef, Subquery
from django.db.models.functions import Coalesce


def set_from_versions(apps, schema_editor):
    Record = apps.get_model("archive", "Record")
    RecordVersion = apps.get_model("archive", "RecordVersion")
    latest = (
        RecordVersion.objects.filter(record=OuterRef("pk"))
        .values("record")
        .annotate(latest=Max("number"))
        .values("latest")
    )
    Record.objects.update(edit_version=Coalesce(Subquery(latest), 0))


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0013_bounded_json_fields"),
    ]

    operations = [
        migrations.AddField(
            model_name="record",
            name="edit_version",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(set_from_versions, migrations.RunPython.noop),
    ]
