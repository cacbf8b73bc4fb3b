from django.db import migrations


def load_library(apps, schema_editor):  # type: ignore[no-untyped-def]
    from targets.library import indicator_library_sync

    indicator_library_sync(apps.get_model("targets", "Indicator"))


class Migration(migrations.Migration):
    dependencies = [("targets", "0001_initial")]

    operations = [migrations.RunPython(load_library, migrations.RunPython.noop)]
