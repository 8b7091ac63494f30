"""``gridmap roster``: import the roster of a file, list it, show a person, check the grids.

Phones are shown masked everywhere here, as in every listing.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from api.cli import tables
from api.cli.base import app, machine, runtime, say
from gis import clock
from gis.incidents.privacy import mask_phone

if TYPE_CHECKING:
    from gis.roster.changes import RosterChanges
    from gis.roster.people import PersonCard, PersonIn, RosterEntry

roster_app = typer.Typer(
    help="The roster (格中有人): who answers for each grid, community and street.",
    no_args_is_help=True,
)
app.add_typer(roster_app, name="roster")

ScopeOption = Annotated[
    str | None, typer.Option("--scope", help="an area code: that area and those below it")
]


def _who(person: PersonIn) -> str:
    phone = mask_phone(person.phone) or "-"
    return f"{person.name} {phone}" + (f" ({person.login})" if person.login else "")


def _change_lines(changes: RosterChanges) -> list[str]:
    lines = [f"+ person {_who(p.after)} (row {p.row})" for p in changes.new_people]
    lines += [
        f"~ person {_who(p.after)}: {', '.join(p.changed)} (row {p.row})"
        for p in changes.changed_people
    ]
    for sign, duties in (("+", changes.added), ("-", changes.retired)):
        for d in duties:
            extra = f" [{d.department}]" if d.department else ""
            lines.append(f"{sign} {d.area_code} {d.duty} {d.name}{extra}")
    return lines


@roster_app.command("import")
def roster_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="a roster .csv (UTF-8 or GBK) or .xlsx")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="show what would change; write nothing")
    ] = False,
    encoding: tables.EncodingOption = None,
    sheet: tables.SheetOption = None,
) -> None:
    """Make the roster of the areas FILE names what it says (the whole file, or nothing)."""
    from gis.roster.files import read_roster_file
    from gis.usecases import roster

    rows = read_roster_file(file, options=tables.read_options(encoding, sheet))
    with runtime(ctx) as rt:
        changes = roster.import_roster(rt, rows, acting=machine(), dry_run=dry_run)
    counts = changes.counts()
    say(*_change_lines(changes))
    verb = "would change" if dry_run else "changed"
    say(
        f"{verb}: {counts['areas']} areas; people {counts['people_new']} new, "
        f"{counts['people_changed']} changed; duties {counts['duties_added']} added, "
        f"{counts['duties_retired']} retired, {counts['duties_kept']} kept"
        + (" (dry run: nothing written)" if dry_run else "")
    )


def _entry_line(entry: RosterEntry) -> str:
    extra = f" [{entry.department}]" if entry.department else ""
    login = f" ({entry.login})" if entry.login else ""
    return (
        f"{entry.area_code}\t{entry.duty_zh}\t{entry.name}{login}\t{entry.phone or '-'}"
        f"\t{entry.unit or '-'}{extra}\t#{entry.duty_id}"
    )


@roster_app.command("list")
def roster_list(
    ctx: typer.Context,
    scope: ScopeOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON array")] = False,
) -> None:
    """List the current duties (area, duty, person, masked phone, unit, duty id)."""
    from gis.usecases import roster

    with runtime(ctx) as rt:
        entries = roster.list_roster(rt, acting=machine(), scope=scope)
    if as_json:
        docs = [{**asdict(e), "since": clock.iso(e.since)} for e in entries]
        say(json.dumps(docs, ensure_ascii=False, indent=1))
        return
    for entry in entries:
        typer.echo(_entry_line(entry))
    say(f"{len(entries)} duties")


def _card_lines(card: PersonCard) -> list[str]:
    person = card.person
    party = "党员" if person.party_member else "-"
    lines = [
        f"{person.name} (person {person.key}, {card.versions} versions, "
        f"since {clock.shown(person.valid_from)})",
        f"  phone {person.masked_phone or '-'}  login {person.login or '-'}  "
        f"unit {person.unit or '-'}  {party}",
    ]
    for duty in card.duties:
        extra = f" [{duty.department}]" if duty.department else ""
        lines.append(f"  #{duty.id} {duty.area_code} {duty.duty_zh} ({duty.duty}){extra}")
    return lines if card.duties else [*lines, "  no duty"]


@roster_app.command("show")
def roster_show(
    ctx: typer.Context,
    who: Annotated[str, typer.Argument(help="a person's login, or name", metavar="NAME|LOGIN")],
) -> None:
    """Show a person of the roster: phone (masked), login, unit and current duties."""
    from gis.usecases import roster

    with runtime(ctx) as rt:
        cards = roster.show_person(rt, who, acting=machine())
    for card in cards:
        say(*_card_lines(card))


@roster_app.command("check")
def roster_check(ctx: typer.Context, scope: ScopeOption = None) -> None:
    """List the grids without a 网格长 or a 专职网格员 (exit status 0 either way)."""
    from gis.usecases import roster

    with runtime(ctx) as rt:
        gaps = roster.check_roster(rt, acting=machine(), scope=scope)
    for gap in gaps:
        say(f"{gap.code} {gap.name}: no {gap.missing_zh}")
    say(f"{len(gaps)} grids lack a 网格长 or a 专职网格员" if gaps else "every grid is staffed")
