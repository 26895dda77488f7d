from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_publishers(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now so the
    # group can hold the publish permission from the start.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    publishers, _ = Group.objects.get_or_create(name="Publishers")
    publishers.permissions.add(
        Permission.objects.get(content_type__app_label="catalog", codename="publish_skill")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_publishers, migrations.RunPython.noop)]
