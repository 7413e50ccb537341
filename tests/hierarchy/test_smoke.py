"""The demo districts exist at their published counts once the test database is ready."""
from gridgov.hierarchy.management.commands.stats import collect


def test_demo_counts_match_the_published_figures(db):
    by_code = {d["code"]: d["counts"] for d in collect()["districts"]}
    assert by_code["140105"]["subdistrict"] == 7
    assert by_code["140105"]["community"] == 123
    assert by_code["140105"]["grid"] == 1240
    assert by_code["530111"]["subdistrict"] == 8
    assert by_code["530111"]["community"] == 63
    assert by_code["150105"]["grid"] == 337
    assert by_code["150105"]["entrance"] > 0
