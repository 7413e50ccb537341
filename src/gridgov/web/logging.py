"""Structured logs: one JSON object per line on stderr (GRIDGOV_LOG_FORMAT=json, the default of
`gridgov serve`), carrying the id of the request being served; plain text otherwise."""
import contextvars
import datetime as dt
import json
import logging

# The id of the request this thread is serving; set by request_log.RequestLogMiddleware so that every
# record logged while serving it (a service's warning, a database error) can be joined to its access line.
request_id = contextvars.ContextVar("gridgov_request_id", default="")

# Attributes every LogRecord has: everything else on a record came from `extra=` and is logged as a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


class RequestIdFilter(logging.Filter):
    """Puts the current request id on the record (empty outside a request: the worker, commands)."""

    def filter(self, record):
        if not getattr(record, "request_id", ""):
            record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """{"ts", "level", "logger", "msg", "request_id", <extra fields>, "exc"} on one line, UTF-8 kept."""

    def format(self, record):
        out = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and key not in out:
                out[key] = value
        if not out.get("request_id"):
            out.pop("request_id", None)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def config(fmt="text", level="WARNING"):
    """The LOGGING dict of settings.py: root at `level` on stderr; the access log (logger
    "gridgov.request", one line per request) at INFO when the format is json, else only if LOG_LEVEL allows."""
    json_lines = fmt == "json"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {
            "json": {"()": JsonFormatter},
            "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "json" if json_lines else "text", "filters": ["request_id"]},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "gridgov.request": {"level": "INFO" if json_lines else level},
        },
    }
