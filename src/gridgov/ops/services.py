"""Backup and restore of the whole database with the engine's own tools, and the manifest that proves
a restore complete: per table the row count and a checksum, compared after every restore.

A backup FILE is a tar archive of two members: `manifest.json` first, then the data,
- SQLite: `database.sqlite3`, a copy made with SQLite's online backup API in one step (a consistent
  snapshot even while the app writes in WAL mode);
- PostgreSQL: `database.pgdump`, pg_dump's custom format taken on an exported snapshot, so that the
  counts and checksums in the manifest describe exactly the rows in the dump.
Restoring goes back into the same engine: SQLite through the backup API again, PostgreSQL as one
psql transaction (drop the schema, pg_restore's script), so a failed restore changes nothing."""
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

from django.db import connections
from django.utils.translation import gettext as _

FORMAT = "gridgov-backup"
VERSION = 1
MANIFEST = "manifest.json"
DATA = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# Rows `migrate` puts in a new database: a database holding only these counts as empty.
SCAFFOLDING = {"django_migrations", "django_content_type", "auth_permission"}
CHUNK = 1 << 20
LOCK_WAIT = 60  # seconds a SQLite backup or restore waits for a lock


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is for the operator (translated)."""


# ---------------------------------------------------------------- per-table counts and checksums

def _sqlite_tables(conn):
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    return [r[0] for r in rows]


def sqlite_stats(conn):
    """{table: {"rows": n, "checksum": hex}}. The checksum is the sum of the rows' MD5s modulo 2**128:
    independent of row order, computed in one streaming pass."""
    stats = {}
    for table in _sqlite_tables(conn):
        total, count = 0, 0
        columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
        # quote() makes SQLite render each value as text itself: the same bytes whatever type
        # converters the reading connection has (Django's turns dates into datetimes).
        row_text = " || ',' || ".join(f'quote("{c}")' for c in columns) or "''"
        cur = conn.execute(f'SELECT {row_text} FROM "{table}"')
        while True:
            rows = cur.fetchmany(5000)
            if not rows:
                break
            for (text,) in rows:
                total += int.from_bytes(hashlib.md5(text.encode()).digest(), "big")
            count += len(rows)
        stats[table] = {"rows": count, "checksum": f"{total % (1 << 128):032x}"}
    return stats


def _pg_tables(cur):
    cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    return [r[0] for r in cur.fetchall()]


def pg_stats(cur):
    """{table: {"rows": n, "checksum": hex}}: MD5 over the sorted MD5s of the rows' text forms,
    computed by the server."""
    stats = {}
    for table in _pg_tables(cur):
        cur.execute(
            f'SELECT count(*), coalesce(md5(string_agg(h, \'\' ORDER BY h)), \'\') '
            f'FROM (SELECT md5(t::text) AS h FROM "{table}" t) s'
        )
        count, checksum = cur.fetchone()
        stats[table] = {"rows": count, "checksum": checksum}
    return stats


def _is_empty(stats):
    return all(v["rows"] == 0 for t, v in stats.items() if t not in SCAFFOLDING)


def _compare(expected, found):
    """Human-readable differences between two stats dicts (empty when equal)."""
    problems = []
    for table in sorted(set(expected) | set(found)):
        a, b = expected.get(table), found.get(table)
        if a is None:
            problems.append(_("table %(table)s is not in the backup") % {"table": table})
        elif b is None:
            problems.append(_("table %(table)s is missing") % {"table": table})
        elif a["rows"] != b["rows"]:
            problems.append(_("table %(table)s: %(found)d rows instead of %(expected)d") % {"table": table, "found": b["rows"], "expected": a["rows"]})
        elif a["checksum"] != b["checksum"]:
            problems.append(_("table %(table)s: checksum differs") % {"table": table})
    return problems


# ---------------------------------------------------------------- PostgreSQL connection details

def _pg_params(settings_dict):
    """libpq keywords and the environment for pg_dump/psql from a Django database settings dict."""
    params = {
        "dbname": settings_dict.get("NAME") or "",
        "user": settings_dict.get("USER") or "",
        "host": settings_dict.get("HOST") or "",
        "port": str(settings_dict.get("PORT") or ""),
    }
    params = {k: v for k, v in params.items() if v}
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    return params, env


def _conninfo(params):
    def quote(v):
        return "'" + str(v).replace("\\", "\\\\").replace("'", "\\'") + "'"
    return " ".join(f"{k}={quote(v)}" for k, v in params.items())


def _pg_connect(params, env):
    import psycopg

    return psycopg.connect(_conninfo(params), password=env.get("PGPASSWORD"))


def _need(tool):
    path = shutil.which(tool)
    if path is None:
        raise BackupError(_("The PostgreSQL tool %(tool)s is not installed on this machine (Debian: apt install postgresql-client-15).") % {"tool": tool})
    return path


def _run(args, env, **kwargs):
    result = subprocess.run(args, env=env, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise BackupError(_("%(tool)s failed: %(error)s") % {"tool": Path(args[0]).name, "error": (result.stderr or "").strip()[-2000:]})
    return result


# ---------------------------------------------------------------- backup

def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _migrations(connection):
    from django.db.migrations.recorder import MigrationRecorder

    latest = {}
    for app, name in MigrationRecorder(connection).migration_qs.values_list("app", "name"):
        latest[app] = max(latest.get(app, ""), name)
    return dict(sorted(latest.items()))


def _copy(source, dst, what):
    """SQLite's backup API, in one step (one read transaction: a consistent snapshot). Python's loop
    retries a busy or locked database forever; we give up after LOCK_WAIT seconds."""
    deadline = time.monotonic() + LOCK_WAIT

    def progress(status, remaining, total):
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and time.monotonic() > deadline:
            raise BackupError(_("The database is locked (%(what)s). Stop the app servers and the worker, then try again.") % {"what": what})

    source.backup(dst, pages=-1, progress=progress)


def _backup_sqlite(connection, data_path):
    if connection.in_atomic_block:
        # The backup API cannot read through a connection that holds a write transaction.
        raise BackupError(_("A backup cannot be taken inside a database transaction."))
    connection.ensure_connection()
    dst = sqlite3.connect(data_path)
    try:
        _copy(connection.connection, dst, "backup")
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        return sqlite_stats(dst)
    finally:
        dst.close()


def _backup_postgresql(connection, data_path):
    pg_dump = _need("pg_dump")
    params, env = _pg_params(connection.settings_dict)
    with _pg_connect(params, env) as conn:
        with conn.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            # pg_dump reads the same snapshot while this transaction stays open.
            _run([pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                  f"--file={data_path}", f"--dbname={_conninfo(params)}"], env)
            stats = pg_stats(cur)
        conn.rollback()
    return stats


def backup(path, using="default"):
    """Write a backup of database `using` to `path` (replaced atomically); returns the manifest."""
    connection = connections[using]
    engine = connection.vendor
    if engine not in DATA:
        raise BackupError(_("Backups are supported on SQLite and PostgreSQL, not on %(engine)s.") % {"engine": engine})
    path = Path(path).resolve()
    if not path.parent.is_dir():
        raise BackupError(_("The folder %(folder)s does not exist.") % {"folder": path.parent})
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=".gridgov-backup-", dir=path.parent) as tmp:
        data_path = Path(tmp) / DATA[engine]
        stats = _backup_sqlite(connection, data_path) if engine == "sqlite" else _backup_postgresql(connection, data_path)
        from django import get_version

        manifest = {
            "format": FORMAT, "version": VERSION, "engine": engine,
            "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "django": get_version(), "migrations": _migrations(connection),
            "data": {"name": DATA[engine], "bytes": data_path.stat().st_size, "sha256": _sha256(data_path)},
            "tables": stats,
        }
        archive = Path(tmp) / "backup.tar"
        with tarfile.open(archive, "w", format=tarfile.PAX_FORMAT) as tar:
            blob = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(blob), int(time.time()), 0o600
            tar.addfile(info, io.BytesIO(blob))
            tar.add(data_path, arcname=DATA[engine])
        with open(archive, "rb") as f:
            os.fsync(f.fileno())
        os.chmod(archive, 0o600)  # personal data of a whole district
        os.replace(archive, path)
    manifest["seconds"] = round(time.monotonic() - started, 2)
    return manifest


# ---------------------------------------------------------------- reading a backup

def read_manifest(path):
    """The manifest of backup `path`, checked for form; BackupError for a file that is not one."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(_("The backup file %(file)s does not exist.") % {"file": path})
    try:
        with tarfile.open(path, "r:") as tar:
            member = tar.next()
            if member is None or member.name != MANIFEST:
                raise BackupError(_("%(file)s is not a gridgov backup (no manifest).") % {"file": path.name})
            manifest = json.loads(tar.extractfile(member).read().decode())
    except (tarfile.TarError, EOFError, OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BackupError(_("%(file)s is not a gridgov backup or is damaged (%(error)s).") % {"file": path.name, "error": e}) from e
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_("%(file)s is not a gridgov backup (no manifest).") % {"file": path.name})
    if manifest.get("version") != VERSION:
        raise BackupError(_("The backup has format version %(found)s; this gridgov reads version %(expected)s.") % {"found": manifest.get("version"), "expected": VERSION})
    return manifest


def _extract_data(path, manifest, folder):
    """Extract the data member into `folder` and check its size and SHA-256 against the manifest."""
    name = manifest["data"]["name"]
    target = Path(folder) / "data"
    try:
        with tarfile.open(path, "r:") as tar:
            member = tar.getmember(name)
            source = tar.extractfile(member)
            digest = hashlib.sha256()
            with open(target, "wb") as out:
                for block in iter(lambda: source.read(CHUNK), b""):
                    digest.update(block)
                    out.write(block)
    except KeyError as e:
        raise BackupError(_("The backup is incomplete: %(name)s is missing from it.") % {"name": name}) from e
    except (tarfile.TarError, EOFError, OSError) as e:
        raise BackupError(_("The backup file is damaged or truncated (%(error)s).") % {"error": e}) from e
    if target.stat().st_size != manifest["data"]["bytes"] or digest.hexdigest() != manifest["data"]["sha256"]:
        raise BackupError(_("The backup file is damaged or truncated: its data does not match the manifest."))
    return target


# ---------------------------------------------------------------- restore

def _restore_sqlite(data, manifest, target, force):
    source = sqlite3.connect(f"file:{data}?mode=ro", uri=True)
    try:
        try:
            ok = source.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as e:
            raise BackupError(_("The database in the backup is damaged (%(error)s).") % {"error": e}) from e
        if ok != "ok":
            raise BackupError(_("The database in the backup is damaged (%(error)s).") % {"error": ok})
        own = target is None or not isinstance(target, (str, os.PathLike))
        if own:
            connection = target or connections["default"]
            connection.ensure_connection()
            dst = connection.connection
        else:
            dst = sqlite3.connect(target)
        try:
            if not force and not _is_empty(sqlite_stats(dst)):
                raise BackupError(_("The database is not empty. Restoring would overwrite it; add --force to do so."))
            try:
                _copy(source, dst, "restore")
            except sqlite3.Error as e:
                raise BackupError(_("The database could not be written (%(error)s). Stop the app servers and the worker, then try again.") % {"error": e}) from e
            return sqlite_stats(dst)
        finally:
            if not own:
                dst.close()
    finally:
        source.close()


def _restore_postgresql(data, manifest, settings_dict, force):
    pg_restore, psql = _need("pg_restore"), _need("psql")
    params, env = _pg_params(settings_dict)
    with _pg_connect(params, env) as conn, conn.cursor() as cur:
        if not force and not _is_empty(pg_stats(cur)):
            raise BackupError(_("The database is not empty. Restoring would overwrite it; add --force to do so."))
    script = subprocess.Popen([pg_restore, "--no-owner", "--no-privileges", "--file=-", str(data)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # One transaction: the old schema is dropped only if the whole dump loads.
    load = subprocess.run(
        [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", f"--dbname={_conninfo(params)}",
         "-c", "SET lock_timeout = '15s'", "-c", "DROP SCHEMA IF EXISTS public CASCADE", "-c", "CREATE SCHEMA public",
         "-f", "-"],
        env=env, stdin=script.stdout, capture_output=True, text=True,
    )
    script.stdout.close()
    script_err = script.stderr.read().decode(errors="replace")
    script.wait()
    if script.returncode != 0:
        raise BackupError(_("%(tool)s failed: %(error)s") % {"tool": "pg_restore", "error": script_err.strip()[-2000:]})
    if load.returncode != 0:
        error = (load.stderr or "").strip()[-2000:]
        if "lock timeout" in error:
            raise BackupError(_("The database is in use. Stop the app servers and the worker, then try again."))
        raise BackupError(_("%(tool)s failed: %(error)s") % {"tool": "psql", "error": error})
    with _pg_connect(params, env) as conn, conn.cursor() as cur:
        return pg_stats(cur)


def restore(path, using="default", force=False, target=None):
    """Restore backup `path` into database `using` (or `target`: for SQLite a file path, for
    PostgreSQL a Django settings dict) and verify every table against the manifest.

    Returns the manifest with "seconds"; raises BackupError with the reason otherwise."""
    started = time.monotonic()
    manifest = read_manifest(path)
    connection = connections[using]
    engine = connection.vendor
    if manifest.get("engine") != engine:
        raise BackupError(_("This backup is of a %(backup)s database; it cannot be restored into %(engine)s.") % {"backup": manifest.get("engine"), "engine": engine})
    folder = Path(path).resolve().parent
    with tempfile.TemporaryDirectory(prefix=".gridgov-restore-", dir=folder) as tmp:
        data = _extract_data(path, manifest, tmp)
        if engine == "sqlite":
            found = _restore_sqlite(data, manifest, target if target is not None else connection, force)
        else:
            if target is None:
                connection.close()  # our own session must not hold the schema we drop
            found = _restore_postgresql(data, manifest, target or connection.settings_dict, force)
    problems = _compare(manifest["tables"], found)
    if problems:
        raise BackupError(_("The restored database does not match the backup: %(problems)s") % {"problems": "; ".join(problems[:20])})
    manifest["seconds"] = round(time.monotonic() - started, 2)
    return manifest


def stats(using="default"):
    """Counts and checksums of the live database, as the manifest records them."""
    connection = connections[using]
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        return sqlite_stats(connection.connection)
    params, env = _pg_params(connection.settings_dict)
    with _pg_connect(params, env) as conn, conn.cursor() as cur:
        return pg_stats(cur)


def verify_file(path):
    """Check that `path` is a complete backup (manifest and data checksum) without restoring it."""
    manifest = read_manifest(path)
    with tempfile.TemporaryDirectory(prefix=".gridgov-check-", dir=Path(path).resolve().parent) as tmp:
        _extract_data(path, manifest, tmp)
    return manifest
