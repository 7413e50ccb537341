"""Every POST form in gridgov's templates carries {% csrf_token %}: the templates are scanned, so a
new form without the token fails here by name before any browser sees it."""
import re
from pathlib import Path

import gridgov

TEMPLATES = Path(gridgov.__file__).parent
FORM = re.compile(r"<form\b[^>]*>", re.I | re.S)
POST = re.compile(r"""\bmethod\s*=\s*["']?post\b""", re.I)
CLOSE = re.compile(r"</form\s*>", re.I)


def post_forms_without_token():
    missing = []
    for path in sorted(TEMPLATES.glob("**/templates/**/*.html")):
        text = path.read_text(encoding="utf-8")
        for match in FORM.finditer(text):
            if not POST.search(match.group(0)):
                continue
            end = CLOSE.search(text, match.end())
            body = text[match.end(): end.start() if end else len(text)]
            if "{% csrf_token %}" not in body:
                line = text.count("\n", 0, match.start()) + 1
                missing.append(f"{path.relative_to(TEMPLATES)}:{line}")
    return missing


def test_templates_are_found():
    assert len(list(TEMPLATES.glob("**/templates/**/*.html"))) > 20


def test_every_post_form_has_a_csrf_token():
    missing = post_forms_without_token()
    assert not missing, "POST forms without {% csrf_token %}: " + ", ".join(missing)


def test_scanner_catches_a_form_without_token(tmp_path, monkeypatch):
    bad = tmp_path / "x" / "templates" / "x"
    bad.mkdir(parents=True)
    (bad / "bad.html").write_text('<form method=POST action="/x"><button>go</button></form>\n<form method="get"></form>')
    (bad / "good.html").write_text('<form method="post">{% csrf_token %}</form>')
    monkeypatch.setitem(globals(), "TEMPLATES", tmp_path)
    assert post_forms_without_token() == ["x/templates/x/bad.html:1"]
