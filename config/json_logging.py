"""The log format: one JSON object per line. Imports nothing from Django or the archive,
because logging is configured before any app is loaded."""

import json
import logging
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    """`extra={"fields": {...}}` adds keys to the line."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update(getattr(record, "fields", {}))
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)
