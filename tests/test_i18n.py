"""Chinese is the default language: every UI string of every app has a zh-hans translation,
and the compiled catalogues (.mo) say the same as their sources (.po)."""
from pathlib import Path

import polib
import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "gridgov"
CATALOGUES = sorted(SRC.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))


def test_there_is_a_chinese_catalogue():
    assert CATALOGUES


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.relative_to(SRC)))
def test_every_string_is_translated_to_chinese(po_path):
    po = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    assert untranslated == []


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.relative_to(SRC)))
def test_compiled_catalogue_matches_its_source(po_path):
    po = polib.pofile(str(po_path))
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"compile with: msgfmt -o {mo_path} {po_path}"
    mo = polib.mofile(str(mo_path))
    source = {(e.msgctxt, e.msgid): e.msgstr for e in po if e.translated() and not e.obsolete and not e.msgid_plural}
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in mo if e.msgid and not e.msgid_plural}
    assert compiled == source, f"stale .mo: run msgfmt -o {mo_path} {po_path}"
