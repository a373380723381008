"""Groups viewer, editor and reviewer with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW = [
    "view_actor",
    "view_source",
    "view_claim",
    "view_routestop",
    "view_attributionhop",
    "view_assessment",
    "view_claimrelation",
    "view_statuschange",
    "view_claimversion",
    "view_sourcecheck",
    "view_quotecheck",
]
EDIT = [
    "view_draft",
    "add_claim",
    "change_claim",
    "submit_claim",
    "add_actor",
    "change_actor",
    "add_source",
    "change_source",
    "add_claimrelation",
    "delete_claimrelation",
    # Hops and route stops are parts of a claim; the admin checks these when editing them inline.
    "add_attributionhop",
    "change_attributionhop",
    "delete_attributionhop",
    "add_routestop",
    "change_routestop",
    "delete_routestop",
]
REVIEW = ["publish_claim", "retract_claim", "edit_any_claim", "add_assessment"]
ROLES = {"viewer": VIEW, "editor": VIEW + EDIT, "reviewer": VIEW + EDIT + REVIEW}


def create_roles(apps, schema_editor):
    # Permissions normally appear after all migrations; the groups need them now.
    app_config = apps.get_app_config("claims")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(Permission.objects.filter(content_type__app_label="claims", codename__in=codenames))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_roles, remove_roles)]
