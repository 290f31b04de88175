"""CSV cells that a spreadsheet would run as a formula get a leading apostrophe."""

from staff.export import safe_cell, to_csv


def test_csv_cells_that_a_spreadsheet_would_run_are_disarmed():
    for dangerous in ("=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        assert safe_cell(dangerous) == "'" + dangerous
    for harmless in ("how much does it cost?", "a=b", "", None, 42):
        assert safe_cell(harmless) == ("" if harmless is None else str(harmless))
    body, rows = to_csv(["a", "b"], [["=1", "ok"], ["x", "@y"]])
    assert body.splitlines() == ["a,b", "'=1,ok", "x,'@y"] and rows == 2
