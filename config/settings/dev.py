"""Development settings: the default for manage.py; SQLite in ARCHIVE_DATA_DIR."""

from config.env import dev_secret_key, env_bool, env_str

from .base import *  # noqa: F403
from .base import DATA_DIR

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY") or dev_secret_key(DATA_DIR)
