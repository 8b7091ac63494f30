"""The roster (issue 13 item 1): import, re-import, dry run, refusals, check, duties, versions."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from gis.areas import Level
from gis.db import areas as area_sql
from gis.db import roster as roster_sql
from gis.errors import Conflict, Forbidden, InvalidInput, NotFound
from gis.identity.access import Acting
from gis.identity.records import Actor
from gis.identity.roles import Grant
from gis.roster.files import read_roster
from gis.roster.people import OnDuty, RosterRow
from gis.usecases import roster
from gis.usecases.runtime import Runtime
from gis.usecases.sample import load_sample
from tests.principals import OWNER, role_token

HEADER = "name,phone,duty,grid_code,login,unit,department\n"
GRID = "110108010019001"
BASE = (
    "张伟,13900001001,网格长,110108010019001,,农大东校区社区,\n"
    "李娜,13900001002,专职网格员,110108010019001,,农大东校区社区,\n"
    "王强,13900001003,专职网格员,110108010019002,,农大东校区社区,\n"
    "赵敏,13900001004,下沉力量,110108010019001,,城管执法队,城管\n"
)


def rows(body: str) -> list[RosterRow]:
    return read_roster((HEADER + body).encode())


def counts(rt: Runtime) -> tuple[int, int]:
    with rt.read() as conn:
        people = conn.execute(text("SELECT count(*) FROM people")).scalar_one()
        duties = conn.execute(text("SELECT count(*) FROM duties")).scalar_one()
    return people, duties


def scoped(code: str, role: str = "dispatcher", permission: str = "roster:write") -> Acting:
    return Acting(Actor("li", "test"), permission, (Grant(role, code),))


@pytest.fixture
def sample(rt: Runtime) -> Runtime:
    load_sample(rt)
    return rt


def test_issue13_the_sample_roster_staffs_every_grid(sample: Runtime) -> None:
    changes = roster.load_sample_roster(sample)
    assert changes.counts()["duties_added"] == len(roster.list_roster(sample, acting=OWNER))
    assert roster.check_roster(sample, acting=OWNER) == []
    with sample.read() as conn:
        grids = area_sql.current_codes(conn, level=Level.GRID)
    held = {(e.area_code, e.duty) for e in roster.list_roster(sample, acting=OWNER)}
    assert all((g, "full_time") in held and (g, "grid_leader") in held for g in grids)


def test_issue13_sample_logins_are_kept_only_for_existing_users(sample: Runtime) -> None:
    roster.load_sample_roster(sample)
    with sample.read() as conn:
        assert roster_sql.person_by_login(conn, "demo-grid-worker") == []
    role_token(sample, "grid_worker", GRID, login="demo-grid-worker")
    again = roster.load_sample_roster(sample)
    assert [p.changed for p in again.changed_people] == [("login",)]
    with sample.read() as conn:
        [found] = roster_sql.person_by_login(conn, "DEMO-GRID-WORKER")
    assert (found.duty, found.area_code) == ("full_time", GRID)


def test_issue13_import_then_reimport_changes_only_the_differences(sample: Runtime) -> None:
    first = roster.import_roster(sample, rows(BASE), acting=OWNER)
    assert first.counts() == {
        "areas": 2, "people_new": 4, "people_changed": 0,
        "duties_added": 4, "duties_retired": 0, "duties_kept": 0,
    }  # fmt: skip
    assert roster.import_roster(sample, rows(BASE), acting=OWNER).empty
    changed = BASE.replace("13900001002", "13900001022").replace(
        "王强,13900001003,专职网格员,110108010019002,,农大东校区社区,\n",
        "孙丽,13900001005,专职网格员,110108010019002,,农大东校区社区,\n",
    )
    second = roster.import_roster(sample, rows(changed), acting=OWNER)
    assert [p.after.name for p in second.changed_people] == ["李娜"]
    assert [p.after.name for p in second.new_people] == ["孙丽"]
    assert [(d.name, d.area_code) for d in second.retired] == [("王强", "110108010019002")]
    assert [(d.name, d.duty) for d in second.added] == [("孙丽", "full_time")]
    assert second.kept == 3


def test_issue13_a_changed_phone_makes_a_new_version_and_retires_the_old(sample: Runtime) -> None:
    roster.import_roster(sample, rows(BASE), acting=OWNER)
    roster.import_roster(sample, rows(BASE.replace("13900001002", "13900001022")), acting=OWNER)
    [card] = roster.show_person(sample, "李娜", acting=OWNER)
    assert card.versions == 2 and card.person.phone == "13900001022"
    with sample.read() as conn:
        old, new = roster_sql.person_versions(conn, key=card.person.key)
    assert old.phone == "13900001002" and old.valid_to is not None
    assert new.valid_to is None and new.valid_from == old.valid_to and new.key == old.key
    assert [d.duty for d in card.duties] == ["full_time"]  # the duty follows the person


def test_issue13_a_file_retires_the_duties_of_its_areas_it_no_longer_has(sample: Runtime) -> None:
    roster.import_roster(sample, rows(BASE), acting=OWNER)
    only_first_grid = "".join(line + "\n" for line in BASE.splitlines() if "019001" in line)
    later = roster.import_roster(sample, rows(only_first_grid), acting=OWNER)
    assert later.retired == ()  # 110108010019002 is not named: its worker stays
    leaving = only_first_grid.replace(
        "赵敏,13900001004,下沉力量,110108010019001,,城管执法队,城管\n", ""
    )
    gone = roster.import_roster(sample, rows(leaving), acting=OWNER)
    assert [(d.name, d.department) for d in gone.retired] == [("赵敏", "城管")]
    assert {e.name for e in roster.list_roster(sample, acting=OWNER)} == {"张伟", "李娜", "王强"}


def test_issue13_a_dry_run_writes_nothing(sample: Runtime) -> None:
    changes = roster.import_roster(sample, rows(BASE), acting=OWNER, dry_run=True)
    assert changes.counts()["duties_added"] == 4
    assert counts(sample) == (0, 0)


def test_issue13_the_import_is_audited_with_its_counts(sample: Runtime) -> None:
    roster.import_roster(sample, rows(BASE), acting=OWNER)
    with sample.read() as conn:
        row = conn.execute(
            text("SELECT action, result, detail FROM audit_log ORDER BY id DESC LIMIT 1")
        ).one()
    assert (row.action, row.result) == ("roster.import", "ok")
    assert row.detail["duties_added"] == 4 and "13900001001" not in str(row.detail)


BAD = [
    ("张伟,13900001001,网格助理,110108010019001,,,\n", "row 2: duty: unknown duty '网格助理'"),
    ("张伟,13900001001,网格长,110108010019999,,,\n", "row 2: grid_code: no area 110108010019999"),
    ("张伟,12345,网格长,110108010019001,,,\n", "row 2: phone:"),
    ("张伟,13900001001,网格长,110108010019001,nobody,,\n", "row 2: login: no user 'nobody'"),
    ("张伟,13900001001,网格长,110108010019,,,\n", "row 2: grid_code: 网格长 (grid_leader) is held"),
    ("张伟,13900001001,下沉力量,110108010019001,,,\n", "row 2: department:"),
    (
        "张伟,13900001001,网格长,110108010019001,,,\n张伟,13900001001,网格长,110108010019001,,,\n",
        "row 3: repeats row 2",
    ),
]


@pytest.mark.parametrize(("body", "said"), BAD)
def test_issue13_bad_input_refuses_the_whole_file(sample: Runtime, body: str, said: str) -> None:
    good = "李娜,13900001002,专职网格员,110108010019002,,,\n"
    with pytest.raises(InvalidInput, match=said.replace("(", r"\(").replace(")", r"\)")):
        roster.import_roster(sample, rows(body + good), acting=OWNER)
    assert counts(sample) == (0, 0)


def test_issue13_one_login_on_two_people_is_refused(sample: Runtime) -> None:
    role_token(sample, "grid_worker", GRID, login="wang")
    body = (
        "王五,13900001001,专职网格员,110108010019001,wang,,\n"
        "王六,13900001009,专职网格员,110108010019002,wang,,\n"
    )
    with pytest.raises(InvalidInput, match=r"row 3: login: 'wang' is row 2's \(王五\) too"):
        roster.import_roster(sample, rows(body), acting=OWNER)
    assert counts(sample) == (0, 0)


def test_issue13_a_retired_grid_is_refused(sample: Runtime) -> None:
    with sample.write() as conn:
        area_sql.retire(conn, codes=["110108010038001"])
    with pytest.raises(InvalidInput, match="row 2: grid_code: area 110108010038001 is retired"):
        roster.import_roster(
            sample, rows("张伟,13900001001,网格长,110108010038001,,,\n"), acting=OWNER
        )


def test_issue13_an_area_outside_the_callers_scope_is_forbidden(sample: Runtime) -> None:
    body = BASE + "周杰,13900001008,专职网格员,110108010021001,,,\n"
    with pytest.raises(Forbidden, match="row 6: grid_code 110108010021001: outside your area"):
        roster.import_roster(sample, rows(body), acting=scoped("110108010019"))
    assert counts(sample) == (0, 0)
    assert roster.import_roster(sample, rows(BASE), acting=scoped("110108010019")).kept == 0


def test_issue13_check_lists_the_grids_lacking_a_leader_or_a_worker(sample: Runtime) -> None:
    roster.import_roster(sample, rows(BASE), acting=OWNER)
    gaps = roster.check_roster(sample, acting=OWNER, scope="110108010019")
    assert len(gaps) == 11  # 002 has a worker but no leader, 003…012 nobody
    assert gaps[0].code == "110108010019002" and gaps[0].missing == ("grid_leader",)
    assert gaps[1].missing == ("grid_leader", "full_time")
    assert len(roster.check_roster(sample, acting=scoped(GRID, "grid_worker", "roster:read"))) == 0
    assert len(roster.check_roster(sample, acting=OWNER)) == 22


def test_issue13_listings_keep_to_the_scope_and_mask_phones(sample: Runtime) -> None:
    roster.import_roster(sample, rows(BASE), acting=OWNER)
    reader = scoped("110108010019002", "viewer", "roster:read")
    [entry] = roster.list_roster(sample, acting=reader)
    assert (entry.name, entry.phone) == ("王强", "139****1003")
    assert roster.list_roster(sample, acting=reader, scope="110108010021") == []
    assert len(roster.list_roster(sample, acting=reader, scope="110108010019")) == 1
    with pytest.raises(NotFound):
        roster.show_person(sample, "张伟", acting=reader)


def test_issue13_duties_added_and_ended(sample: Runtime) -> None:
    roster.import_roster(sample, rows(BASE), acting=OWNER)
    [card] = roster.show_person(sample, "王强", acting=OWNER)
    key = card.person.key
    duty = roster.add_duty(sample, acting=OWNER, person_key=key, duty="网格长", area_code=GRID)
    with pytest.raises(Conflict):
        roster.add_duty(sample, acting=OWNER, person_key=key, duty="grid_leader", area_code=GRID)
    with pytest.raises(Forbidden):
        roster.end_duty(sample, acting=scoped("110108010021"), duty_id=duty.id)
    ended = roster.end_duty(sample, acting=scoped("110108010019"), duty_id=duty.id)
    assert ended.valid_to is not None
    with pytest.raises(Conflict):
        roster.end_duty(sample, acting=OWNER, duty_id=duty.id)
    with pytest.raises(NotFound):
        roster.end_duty(sample, acting=OWNER, duty_id=10**9)
    with pytest.raises(NotFound):
        roster.add_duty(sample, acting=OWNER, person_key=10**9, duty="志愿者", area_code=GRID)
    with pytest.raises(InvalidInput, match="department"):
        roster.add_duty(sample, acting=OWNER, person_key=key, duty="seconded", area_code=GRID)


def test_issue13_who_is_on_duty(sample: Runtime) -> None:
    roster.import_roster(sample, rows(BASE), acting=OWNER)
    with sample.read() as conn:
        found = roster_sql.on_duty(conn, area_code=GRID, duties=("full_time", "grid_leader"))
        assert [(o.name, o.duty) for o in found] == [("李娜", "full_time"), ("张伟", "grid_leader")]
        assert roster_sql.on_duty(conn, area_code="110108010019", duties=("full_time",)) == []
        [person] = roster_sql.person_by_key(conn, found[0].person_key)
        assert person == OnDuty(
            found[0].person_key, "李娜", None, "full_time", GRID, None, person.duty_id
        )
        assert person == found[0]
        assert roster_sql.person_by_key(conn, 10**9) == []
