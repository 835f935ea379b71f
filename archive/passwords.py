"""Password rules beyond Django's (length ≥ 12, not common, not all digits, not like the
username): a ceiling, so hashing a megabyte cannot tie up a worker, and some variety, so
"aaaaaaaaaaaa" and "passwordpassword" do not pass."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_LENGTH = 256
MIN_DISTINCT = 6


class MaximumLengthValidator:
    def validate(self, password, user=None):
        if len(password) > MAX_LENGTH:
            raise ValidationError(
                _("This password is longer than %(n)d characters.") % {"n": MAX_LENGTH},
                code="password_too_long",
            )

    def get_help_text(self):
        return _("At most %(n)d characters.") % {"n": MAX_LENGTH}


class CharacterVarietyValidator:
    def validate(self, password, user=None):
        if len(set(password.lower())) < MIN_DISTINCT:
            raise ValidationError(
                _("Use at least %(n)d different characters.") % {"n": MIN_DISTINCT},
                code="password_too_uniform",
            )

    def get_help_text(self):
        return _("At least %(n)d different characters; a few unrelated words work well.") % {
            "n": MIN_DISTINCT
        }
