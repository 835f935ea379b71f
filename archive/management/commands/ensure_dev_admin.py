"""manage.py ensure_dev_admin: a first superuser for a development archive, never in production."""

import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Create the development superuser 'admin' with a random password kept in "
        "ARCHIVE_DATA_DIR/dev-admin-password (mode 0600). Refuses outside dev settings."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG or not settings.SETTINGS_MODULE.endswith(".dev"):
            raise CommandError("ensure_dev_admin only runs with the dev settings and DEBUG on.")
        path = settings.DATA_DIR / "dev-admin-password"
        User = get_user_model()  # noqa: N806
        if User.objects.filter(username="admin").exists() and path.exists():
            self.stdout.write(
                f"Sign in at /accounts/login/ as 'admin' (then enrol an authenticator app); "
                f"the password is in {path}"
            )
            return
        password = secrets.token_urlsafe(18)
        user, _ = User.objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True}
        )
        user.set_password(password)
        user.save()
        if path.exists():
            path.unlink()
        # SECURITY: readable by the owner only, never echoed into shared logs twice.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(password + "\n")
        self.stdout.write(f"Created superuser 'admin'. Password (also in {path}): {password}")
