"""Roster files: UTF-8 (BOM or not), GBK, xlsx, Chinese headers, duplicates (issue 13)."""

import io

import pytest
from openpyxl import Workbook

from gis.errors import InvalidInput, UnreadableFile
from gis.roster.files import read_roster, read_roster_file

CHINESE = "姓名,手机,岗位,网格编码,账号,单位,部门,党员\n张伟,139 0000 0001,网格长,110108010019001,,社区居委会,,是\n赵敏,13900000004,下沉力量,110108010019001,,执法队,城管,否\n"
ENGLISH = "name,phone,duty,grid_code\n张伟,13900000001,grid_leader,110108010019001\n"


def summary(content: bytes, **kw: str) -> list[tuple]:
    return [
        (r.row, r.person.name, r.person.phone, r.duty, r.department, r.person.party_member)
        for r in read_roster(content, **kw)
    ]


EXPECTED = [
    (2, "张伟", "13900000001", "grid_leader", None, True),
    (3, "赵敏", "13900000004", "seconded", "城管", False),
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_issue13_csv_in_any_usual_encoding(encoding: str) -> None:
    assert summary(CHINESE.encode(encoding)) == EXPECTED


def test_issue13_a_named_encoding_is_used() -> None:
    assert summary(CHINESE.encode("gbk"), encoding="GBK") == EXPECTED
    with pytest.raises(UnreadableFile, match="not utf-8"):
        read_roster(CHINESE.encode("gbk"), encoding="utf-8")
    with pytest.raises(InvalidInput, match="encoding: unknown encoding"):
        read_roster(CHINESE.encode(), encoding="klingon")


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_issue13_xlsx_with_numbers_as_phones_and_codes() -> None:
    content = xlsx(
        [
            ["姓名", "电话", "职务", "网格编码", "党员"],
            ["张伟", 13900000001, "网格长", 110108010019001, "是"],
            [None, None, None, None, None],
            ["赵敏", "13900000004", "下沉力量", "110108010019001", "否"],
        ]
    )
    with pytest.raises(InvalidInput, match="row 4: department"):
        read_roster(content)
    content = xlsx(
        [["姓名", "电话", "职务", "网格编码"], ["张伟", 13900000001, "网格长", 110108010019001]]
    )
    [row] = read_roster(content)
    assert (row.row, row.person.phone, row.area_code) == (2, "13900000001", "110108010019001")


def test_issue13_a_file_on_disk_by_suffix(tmp_path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(ENGLISH.encode("utf-8-sig"))
    assert [r.duty for r in read_roster_file(path)] == ["grid_leader"]
    with pytest.raises(UnreadableFile, match="cannot read"):
        read_roster_file(tmp_path / "none.csv")


def test_issue13_duplicate_rows_are_refused_with_their_rows() -> None:
    text = (
        ENGLISH
        + "李娜,13900000002,full_time,110108010019001\n张伟,139-0000-0001,网格长,110108010019001\n"
    )
    with pytest.raises(
        InvalidInput, match=r"row 4: repeats row 2 \(张伟, grid_leader, 110108010019001\)"
    ):
        read_roster(text.encode())


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"", "file: empty"),
        (b"name,duty\n", "no phone column"),
        (b"name,phone,duty,grid_code\n", "no rows"),
        (b"PK\x03\x04broken", "not a readable .xlsx"),
    ],
)
def test_issue13_unreadable_files(content: bytes, said: str) -> None:
    with pytest.raises(UnreadableFile, match=said):
        read_roster(content)
