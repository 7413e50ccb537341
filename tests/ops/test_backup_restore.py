"""Backup and restore round trips: every table's row count and checksum are the same after the
restore as in the database backed up; damaged, truncated or foreign files and non-empty targets are
refused with a message, without touching the database."""
import sqlite3
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from gridgov.ops import services

from ..conftest import postgres_only

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite round trip")


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in their English source form, whatever catalogue is compiled."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def backup(django_db_setup, django_db_blocker, tmp_path_factory):
    """One backup of the demo database, taken as `gridgov backup` takes it: outside any transaction
    (a test's own transaction would hold the write lock that SQLite's backup API must wait for)."""
    path = tmp_path_factory.mktemp("backup") / "gridgov.backup"
    with django_db_blocker.unblock():
        before = services.stats()
        call_command("backup", str(path))
    return path, before


def test_the_manifest_describes_the_database(db, backup):
    path, before = backup
    manifest = services.verify_file(path)
    assert manifest["engine"] == connection.vendor
    assert manifest["tables"] == before
    assert before["cases_case"]["rows"] > 0 and before["people_person"]["rows"] > 0
    assert before["cases_historicalcase"]["rows"] >= 0
    # Unchanged since: the live database has the same counts and checksums.
    assert services.stats() == before


@sqlite_only
def test_sqlite_round_trip(db, backup, tmp_path):
    path, before = backup
    target = tmp_path / "restored.sqlite3"
    restored = services.restore(path, target=str(target))
    assert restored["tables"] == before
    conn = sqlite3.connect(target)
    try:
        assert services.sqlite_stats(conn) == before
        assert conn.execute("SELECT count(*) FROM cases_case").fetchone()[0] == before["cases_case"]["rows"]
        # A changed row is noticed by the checksum, the count being equal.
        conn.execute("UPDATE cases_case SET description = description || '!' WHERE id = (SELECT min(id) FROM cases_case)")
        conn.commit()
        after = services.sqlite_stats(conn)
    finally:
        conn.close()
    assert after["cases_case"]["rows"] == before["cases_case"]["rows"]
    assert services._compare(before, after) == ["table cases_case: checksum differs"]
    # Now the file is not empty: refused without --force, restored (and verified) with it.
    with pytest.raises(services.BackupError, match="--force"):
        services.restore(path, target=str(target))
    assert services.restore(path, target=str(target), force=True)["tables"] == before


def test_the_running_database_is_not_overwritten_without_force(db, backup):
    path, before = backup
    with pytest.raises(CommandError, match="--force"):
        call_command("restore", str(path))
    assert services.stats() == before


def test_truncated_and_foreign_files_are_refused(db, backup, tmp_path):
    path, _before = backup
    data = path.read_bytes()
    for name, content in {"truncated": data[: len(data) // 2], "header-only": data[:2048],
                          "garbage": b"not a backup at all", "empty": b""}.items():
        bad = tmp_path / f"{name}.tar"
        bad.write_bytes(content)
        with pytest.raises(services.BackupError) as info:
            services.verify_file(bad)
        assert str(info.value) and "Traceback" not in str(info.value)
        with pytest.raises(CommandError):
            call_command("restore", str(bad), "--check")
        with pytest.raises(CommandError):
            call_command("restore", str(bad), "--force")  # refused before the database is touched
    with pytest.raises(services.BackupError, match="does not exist"):
        services.verify_file(tmp_path / "missing.tar")
    # A flipped byte in the data is caught by the checksum.
    flipped = bytearray(data)
    flipped[len(data) * 3 // 4] ^= 0xFF
    (tmp_path / "flipped.tar").write_bytes(bytes(flipped))
    with pytest.raises(services.BackupError, match="damaged"):
        services.verify_file(tmp_path / "flipped.tar")


def test_backup_inside_a_transaction_is_refused_on_sqlite(db, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL backs up through its own connection and snapshot")
    with pytest.raises(services.BackupError, match="transaction"):
        services.backup(tmp_path / "x.tar")
    assert not (tmp_path / "x.tar").exists()


@postgres_only()
def test_postgresql_round_trip(db, backup):
    import psycopg

    path, before = backup
    params, env = services._pg_params(connection.settings_dict)
    name = f"accounts_restore_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(services._conninfo({**params, "dbname": "postgres"}), password=env.get("PGPASSWORD"), autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        target = {**connection.settings_dict, "NAME": name}
        restored = services.restore(path, target=target)
        assert restored["tables"] == before
        with services._pg_connect({**params, "dbname": name}, env) as conn, conn.cursor() as cur:
            assert services.pg_stats(cur) == before
            cur.execute("UPDATE cases_case SET description = description || '!' WHERE id = (SELECT min(id) FROM cases_case)")
            conn.commit()
            assert services._compare(before, services.pg_stats(cur)) == ["table cases_case: checksum differs"]
        with pytest.raises(services.BackupError, match="--force"):
            services.restore(path, target=target)
        assert services.restore(path, target=target, force=True)["tables"] == before
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
