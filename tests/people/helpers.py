"""Helpers for the people tests: valid ID numbers and member workbooks of any size.
Rows are written with openpyxl write-only, as an office's Excel file would arrive."""
import datetime
import io

from openpyxl import Workbook

from gridgov.people import pii
from gridgov.people.excel import MEMBER_COLUMNS


def id_number(region="140105", n=0):
    """The n-th of a stream of distinct valid ID numbers (birth dates from 1900, before any demo person, serial 0–999)."""
    birth = datetime.date(1900, 1, 1) + datetime.timedelta(days=n // 1000)
    return pii.make_id_number(region, birth, n % 1000)


def member_rows(n, region, home_codes, offset=0):
    for i in range(n):
        yield [f"测试{i}", "", id_number(region, offset + i), f"139{i:08d}", home_codes[i % len(home_codes)], "",
               "2010-07-01", "", "否", ""]


def workbook(rows):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("members")
    ws.append([str(h) for _k, h, _r in MEMBER_COLUMNS])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def sheet(columns, rows):
    """An .xlsx with the header of `columns` (an excel.*_COLUMNS list) and `rows`."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("data")
    ws.append([str(h) for _k, h, _r in columns])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
