"""The three roles, as Django groups, and the model permissions each one holds.

The groups are created by migration 0005; their model permissions are (re)applied after
every migrate, because Django creates permission rows only after migrations have run.
Seeing records is not a model permission: archive.permissions decides it from the role.
"""

from django.apps import apps as global_apps

ARCHIVIST = "archivist"
LAWYER = "lawyer"
RESEARCHER = "researcher"
ROLES = (ARCHIVIST, LAWYER, RESEARCHER)

# Archivists curate: they edit records and vocabulary and manage grants, and read the audit
# log. Nobody gets change or delete on audit entries: the log is append-only.
ARCHIVIST_PERMISSIONS = {
    "auth.user": ("view",),  # to name grantees; accounts are made by invitation
    "auth.group": ("view",),
    "record": ("view", "add", "change", "delete"),
    "passage": ("view", "add", "change", "delete"),
    "testimony": ("view", "add", "change"),
    "source": ("view", "add", "change"),
    "term": ("view", "add", "change"),
    "alias": ("view", "add", "change", "delete"),
    "camp": ("view", "add", "change"),
    "externalidentifier": ("view", "add", "change", "delete"),
    "importwarning": ("view", "change"),
    "grant": ("view", "add", "change"),
    "auditentry": ("view",),
    "invitation": ("view", "add"),
    "piifinding": ("view", "change"),
    "attachment": ("view", "add"),
    "identifyingterm": ("view",),
    # Collections are edited on their own pages through the services; the admin lists them.
    "collection": ("view",),
    "collectionversion": ("view",),
    "recordversion": ("view",),
}


def sync_role_permissions(apps=global_apps, **kwargs) -> None:
    """Give each role exactly its permissions; lawyers and researchers hold none."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    permissions = []
    for key, actions in ARCHIVIST_PERMISSIONS.items():
        app_label, model = key.split(".") if "." in key else ("archive", key)
        permissions += Permission.objects.filter(
            content_type__app_label=app_label,
            content_type__model=model,
            codename__in=[f"{action}_{model}" for action in actions],
        )
    Group.objects.get(name=ARCHIVIST).permissions.set(permissions)
    for name in (LAWYER, RESEARCHER):
        Group.objects.get(name=name).permissions.clear()
