"""Operations: `gridgov backup FILE` and `gridgov restore FILE` (SQLite online backup API,
PostgreSQL pg_dump/pg_restore), each backup carrying a manifest of row counts and checksums."""
