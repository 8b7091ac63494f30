"""The roster over HTTP (issue 13): listing within scope, masked phones, import, duties."""

import io

from fastapi.testclient import TestClient
from openpyxl import Workbook

from gis.usecases.runtime import Runtime
from tests.principals import bearer, role_token

ROSTER = (
    "name,phone,duty,grid_code,login,unit,department\n"
    "张伟,13900001001,网格长,110108010019001,,社区,\n"
    "李娜,13900001002,专职网格员,110108010019001,,社区,\n"
    "周杰,13900001008,专职网格员,110108010021001,,社区,\n"
)
CSV = {"content-type": "text/csv"}


def imported(client: TestClient) -> dict:
    answer = client.post("/roster/import", content=ROSTER.encode("gbk"), headers=CSV)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_issue13_import_then_list_with_phones_masked(sample_client: TestClient) -> None:
    done = imported(sample_client)
    assert done["counts"]["duties_added"] == 3 and not done["dry_run"]
    assert {p["phone"] for p in done["new_people"]} == {"139****1001", "139****1002", "139****1008"}
    listed = sample_client.get("/roster").json()
    assert [(e["area_code"], e["duty"], e["name"], e["phone"]) for e in listed] == [
        ("110108010019001", "grid_leader", "张伟", "139****1001"),
        ("110108010019001", "full_time", "李娜", "139****1002"),
        ("110108010021001", "full_time", "周杰", "139****1008"),
    ]
    assert "1390000" not in sample_client.get("/roster").text
    assert len(sample_client.get("/roster", params={"scope": "110108010021"}).json()) == 1


def test_issue13_the_listing_keeps_to_the_callers_scope(
    sample_client: TestClient, rt: Runtime
) -> None:
    imported(sample_client)
    viewer = bearer(role_token(rt, "viewer", "110108010021"))
    listed = sample_client.get("/roster", headers=viewer).json()
    assert [e["name"] for e in listed] == ["周杰"]
    assert (
        sample_client.get("/roster", params={"scope": "110108010019"}, headers=viewer).json() == []
    )


def test_issue13_a_viewer_may_not_import(sample_client: TestClient, rt: Runtime) -> None:
    viewer = bearer(role_token(rt, "viewer", "110108010019"))
    answer = sample_client.post(
        "/roster/import", content=ROSTER.encode(), headers={**CSV, **viewer}
    )
    assert answer.status_code == 403
    assert sample_client.get("/roster").json() == []


def test_issue13_a_dispatcher_may_not_import_outside_its_scope(
    sample_client: TestClient, rt: Runtime
) -> None:
    dispatcher = bearer(role_token(rt, "dispatcher", "110108010019"))
    answer = sample_client.post(
        "/roster/import", content=ROSTER.encode(), headers={**CSV, **dispatcher}
    )
    assert answer.status_code == 403
    assert answer.json()["detail"].startswith("row 4: grid_code 110108010021001: outside your area")


def test_issue13_a_dry_run_says_what_would_change_and_writes_nothing(
    sample_client: TestClient,
) -> None:
    answer = sample_client.post(
        "/roster/import", params={"dry_run": "true"}, content=ROSTER.encode(), headers=CSV
    )
    assert answer.status_code == 200 and answer.json()["dry_run"]
    assert answer.json()["counts"]["people_new"] == 3
    assert all(p["person_key"] is None for p in answer.json()["new_people"])
    assert sample_client.get("/roster").json() == []


def test_issue13_bad_input_is_a_400_naming_row_and_field(sample_client: TestClient) -> None:
    bad = ROSTER + "王强,13900001009,网格助理,110108010019002,,,\n"
    answer = sample_client.post("/roster/import", content=bad.encode(), headers=CSV)
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("row 5: duty: unknown duty '网格助理'")
    assert sample_client.get("/roster").json() == []


def test_issue13_an_xlsx_as_a_multipart_file(sample_client: TestClient) -> None:
    book = Workbook()
    for line in ROSTER.splitlines():
        book.active.append(line.split(","))
    out = io.BytesIO()
    book.save(out)
    files = {"file": ("roster.xlsx", out.getvalue(), "application/octet-stream")}
    answer = sample_client.post("/roster/import", files=files)
    assert answer.status_code == 200, answer.text
    assert answer.json()["counts"]["duties_added"] == 3


def test_issue15_the_roster_sheet_of_a_workbook_is_named(sample_client: TestClient) -> None:
    book = Workbook()
    book.active.title = "说明"
    book.active.append(["这一页是填表说明"])
    roster_sheet = book.create_sheet("花名册")
    for line in ROSTER.splitlines():
        roster_sheet.append(line.split(","))
    out = io.BytesIO()
    book.save(out)
    files = {"file": ("roster.xlsx", out.getvalue(), "application/octet-stream")}
    answer = sample_client.post("/roster/import?sheet=花名册", files=files)
    assert answer.status_code == 200, answer.text
    assert answer.json()["counts"]["duties_added"] == 3
    missing = sample_client.post("/roster/import?sheet=名单", files=files)
    assert missing.status_code == 400 and "名单" in missing.json()["detail"]
    bad = sample_client.post("/roster/import?encoding=latin-1", files=files)
    assert bad.status_code == 400 and bad.json()["detail"].startswith("encoding:")


def test_issue13_duties_added_and_ended(sample_client: TestClient) -> None:
    done = imported(sample_client)
    key = next(p["person_key"] for p in done["new_people"] if p["name"] == "周杰")
    body = {
        "person_key": key,
        "duty": "下沉力量",
        "area_code": "110108010021002",
        "department": "城管",
    }
    added = sample_client.post("/roster/duties", json=body)
    assert added.status_code == 201, added.text
    assert (added.json()["duty"], added.json()["department"]) == ("seconded", "城管")
    assert sample_client.post("/roster/duties", json=body).status_code == 409
    ended = sample_client.delete(f"/roster/duties/{added.json()['id']}")
    assert ended.status_code == 200 and ended.json()["valid_to"] is not None
    assert sample_client.delete(f"/roster/duties/{added.json()['id']}").status_code == 409
    assert sample_client.delete("/roster/duties/999999").status_code == 404
    wrong = sample_client.post("/roster/duties", json={**body, "department": None})
    assert wrong.status_code == 400 and wrong.json()["detail"].startswith("department:")
