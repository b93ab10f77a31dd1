"""Dossier records: the one-stop-shop export imported (all rows or none, updates by
dossier code) and the timeliness the province watches, against a table worked by hand."""

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from survey.audit.models import AuditEvent
from survey.csv_files import CsvError
from survey.dossiers.importing import import_records
from survey.dossiers.models import DossierRecord
from tests import factories

HEADER = (
    "dossier_code,agency_code,service_code,channel,received_date,due_date,returned_date,"
    "result,phone\n"
)


@pytest.fixture
def offices(db):
    """Two agencies: construction (XD) and a commune with land (DD) and civil status (HT)."""
    sxd = factories.agency(code="SXD")
    xa = factories.agency(code="XA-EAKAR", kind="commune", ranking_group="communes")
    xd, dd, ht = (factories.service_field(code=c) for c in ("XD", "DD", "HT"))
    factories.service(agency=sxd, field=xd, code="XD-01")
    factories.service(agency=xa, field=dd, code="DD-01")
    factories.service(agency=xa, field=dd, code="DD-02")
    factories.service(agency=xa, field=ht, code="HT-01")
    return sxd, xa


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(DossierRecord))


def _csv(*rows: str) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode()


# The hand-worked table: the period is March 2026.
TABLE = (
    # returned in March, on time (5 and 10 days), one online
    "D1,XA-EAKAR,DD-01,counter,2026-03-01,2026-03-10,2026-03-06,approved,0912345678",
    "D2,XA-EAKAR,DD-02,online,2026-03-01,2026-03-15,2026-03-11,approved,",
    # returned in March, late (31 and 2 days)
    "D3,XA-EAKAR,DD-01,counter,2026-02-20,2026-03-05,2026-03-23,refused,",
    "D4,XA-EAKAR,DD-01,post,2026-03-28,2026-03-29,2026-03-30,approved,",
    # land, still open at the end of March: past due (overdue), and not yet due
    "D5,XA-EAKAR,DD-01,counter,2026-03-02,2026-03-20,,,",
    "D6,XA-EAKAR,DD-02,counter,2026-03-25,2026-04-10,,,",
    # returned in April: open at the end of March and past due then
    "D7,XA-EAKAR,DD-01,counter,2026-03-03,2026-03-13,2026-04-02,approved,",
    # civil status, on time, same day
    "D8,XA-EAKAR,HT-01,online,2026-03-09,2026-03-09,2026-03-09,approved,",
    # construction: returned in February, outside the period; received in April
    "D9,SXD,XD-01,counter,2026-02-01,2026-02-20,2026-02-19,approved,",
    "D10,SXD,XD-01,online,2026-04-01,2026-04-20,,,",
)


def test_the_export_is_imported_then_updated_by_dossier_code(offices, db):
    first = import_records(_csv(*TABLE), actor="test")
    assert (first.created, first.updated, first.unchanged) == (10, 0, 0)
    again = import_records(_csv(*TABLE), actor="test")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 10)
    # A cumulative export a week later: D5 returned, one new dossier.
    later = [r for r in TABLE if not r.startswith("D5,")]
    later += [
        "D5,XA-EAKAR,DD-01,counter,2026-03-02,2026-03-20,2026-04-03,approved,",
        "D11,XA-EAKAR,HT-01,counter,2026-04-05,2026-04-06,,,",
    ]
    cumulative = import_records(_csv(*later), actor="test")
    assert (cumulative.created, cumulative.updated, cumulative.unchanged) == (1, 1, 9)
    assert _count(db) == 11
    d5 = db.session.scalar(select(DossierRecord).where(DossierRecord.dossier_code == "D5"))
    assert str(d5.returned_on) == "2026-04-03"
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action == "dossiers.import")
    ).all()
    assert len(actions) == 3


def test_every_bad_row_is_named_and_nothing_is_stored(offices, db):
    rows = (
        "D1,XA-EAKAR,DD-01,counter,2026-03-01,2026-03-10,2026-03-06,approved,",
        "D2,NOPE,DD-01,counter,2026-03-01,2026-03-10,,,",
        "D3,SXD,DD-01,counter,2026-03-01,2026-03-10,,,",
        "D4,SXD,XD-01,fax,2026-03-01,2026-03-10,,,",
        "D5,SXD,XD-01,counter,2026-13-01,2026-03-10,,,",
        "D6,SXD,XD-01,counter,2026-03-10,2026-03-01,,,",
        "D7,SXD,XD-01,counter,2026-03-01,2026-03-10,,approved,",
        "D1,SXD,XD-01,counter,2026-03-01,2026-03-10,,,",
        "D9,SXD,XD-01,counter,2026-03-01,2026-03-10,2026-02-01,approved,abc",
    )
    with pytest.raises(CsvError) as refused:
        import_records(_csv(*rows), actor="test")
    named = {(p.row, p.column) for p in refused.value.problems}
    assert named >= {
        (3, "agency_code"),
        (4, "service_code"),
        (5, "channel"),
        (6, "received_date"),
        (7, "due_date"),
        (8, "result"),
        (9, "dossier_code"),
        (10, "returned_date"),
        (10, "phone"),
    }
    assert 2 not in {p.row for p in refused.value.problems}, "the good row is not blamed"
    db.session.rollback()
    assert _count(db) == 0


CELLS = st.sampled_from(
    [
        "",
        "D1",
        "XA-EAKAR",
        "SXD",
        "DD-01",
        "XD-01",
        "counter",
        "online",
        "2026-03-01",
        "2026-02-30",
        "approved",
        "withdrawn",
        "0912345678",
        "=1+1",
        "x" * 70,
    ]
) | st.text(max_size=12)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.lists(CELLS, min_size=9, max_size=9), min_size=1, max_size=6))
def test_random_records_are_imported_whole_or_refused_with_nothing_stored(offices, db, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER.strip().split(","))
    writer.writerows(rows)
    savepoint = db.session.begin_nested()
    try:
        outcome = import_records(buffer.getvalue().encode(), actor="test")
    except CsvError as error:
        problems = error.problems
        outcome = None
    savepoint.rollback()
    if outcome is None:
        assert problems, "a refused file says why"
        assert _count(db) == 0
    else:
        assert outcome.created + outcome.updated + outcome.unchanged == len(
            {row[0] for row in rows}
        )


def test_timeliness_equals_the_table_worked_by_hand(offices, db, runner, tmp_path):
    import_records(_csv(*TABLE), actor="test")
    db.session.commit()
    output = tmp_path / "timeliness.csv"
    result = runner.invoke(
        args=["dossiers", "timeliness", "--from", "2026-03-01", "--to", "2026-03-31",
              "--output", str(output)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(output.read_text("utf-8-sig"))))
    assert list(rows[0]) == [
        "agency_code", "field_code", "returned", "on_time", "on_time_rate", "median_days",
        "p90_days", "overdue_open", "online_share",
    ]  # fmt: skip
    by_key = {(r["agency_code"], r["field_code"]): r for r in rows}
    # Land at the commune: D1 (5 days, on time), D2 (10, on time, online), D3 (31, late),
    # D4 (2, late) returned in March; days sorted 2, 5, 10, 31: median = rank ceil(2) = 5,
    # p90 = rank ceil(3.6) = 4th = 31. Open at 31 March: D5 (due 20 March: overdue), D6
    # (due 10 April: not yet), D7 (due 13 March, returned in April: overdue).
    land = by_key[("XA-EAKAR", "DD")]
    assert (land["returned"], land["on_time"], land["overdue_open"]) == ("4", "2", "2")
    assert float(land["on_time_rate"]) == 0.5
    assert (land["median_days"], land["p90_days"]) == ("5", "31")
    assert float(land["online_share"]) == 0.25
    civil = by_key[("XA-EAKAR", "HT")]
    assert (civil["returned"], civil["on_time"], civil["median_days"], civil["p90_days"]) == (
        "1",
        "1",
        "0",
        "0",
    )
    assert float(civil["online_share"]) == 1.0
    # The commune as a whole: 5 returned (2, 5, 10, 31, 0 days -> 0, 2, 5, 10, 31:
    # median rank 3 = 5, p90 rank ceil(4.5) = 5th = 31), 3 on time, 2 overdue, 2 online.
    whole = by_key[("XA-EAKAR", "")]
    assert (whole["returned"], whole["on_time"], whole["overdue_open"]) == ("5", "3", "2")
    assert float(whole["on_time_rate"]) == 0.6
    assert (whole["median_days"], whole["p90_days"]) == ("5", "31")
    assert float(whole["online_share"]) == 0.4
    # Construction returned nothing in March (D9 in February, D10 received in April).
    assert ("SXD", "XD") not in by_key


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--from", "2026-03-01", "--to", "31/03/2026"], "is not a date"),
        (["--from", "2026-03-31", "--to", "2026-03-01"], "ends before it starts"),
    ],
)
def test_timeliness_refuses_bad_dates_in_one_line(runner, tmp_path, arguments, message):
    result = runner.invoke(
        args=["dossiers", "timeliness", *arguments, "--output", str(tmp_path / "t.csv")]
    )
    assert result.exit_code != 0
    assert message in result.output
    assert not (tmp_path / "t.csv").exists()


def test_the_import_command_names_bad_rows_and_counts_good_imports(offices, db, runner, tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(_csv(*TABLE))
    result = runner.invoke(args=["dossiers", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "10 created, 0 updated, 0 unchanged" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv("D99,NOPE,DD-01,counter,2026-03-01,2026-03-10,,,"))
    refused = runner.invoke(args=["dossiers", "import", str(bad)])
    assert refused.exit_code == 1
    assert "agency_code" in refused.output


def test_frame_counts_come_from_the_dossiers_returned_in_the_period(offices, db, client, login_as):
    """The weights rest on the real flow: dossiers each agency returned per field."""
    from datetime import date

    from survey.campaigns.models import FrameCount

    sxd, xa = offices
    import_records(_csv(*TABLE), actor="test")
    campaign = factories.campaign(
        agencies=[sxd, xa], period_start=date(2026, 3, 1), period_end=date(2026, 3, 31)
    )
    hand = factories.service_field(code="KH")
    campaign.frame_counts.append(FrameCount(agency=sxd, service_field=hand, dossiers=77))
    db.session.commit()
    login_as("evaluator")
    response = client.post(f"/admin/dossiers/frame-counts/{campaign.id}")
    assert response.status_code == 302
    db.session.expire_all()
    counts = {
        (f.agency.code, f.service_field.code): f.dossiers
        for f in db.session.get(type(campaign), campaign.id).frame_counts
    }
    # Land 4 and civil status 1 at the commune (as in the timeliness table); construction
    # returned nothing in March, and the count typed by hand stays.
    assert counts == {("XA-EAKAR", "DD"): 4, ("XA-EAKAR", "HT"): 1, ("SXD", "KH"): 77}
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "campaign.frame_counts")
    )
    assert event.after["XA-EAKAR|DD|citizen"] == 4


def test_a_run_records_on_time_rates_and_its_page_shows_them_lowest_first(
    offices, db, client, login_as
):
    from datetime import date

    from survey.runs import snapshots

    sxd, xa = offices
    import_records(_csv(*TABLE), actor="test")
    campaign = factories.campaign(
        agencies=[sxd, xa], period_start=date(2026, 3, 1), period_end=date(2026, 3, 31)
    )
    run = factories.analysis_run(campaign)
    snapshots.record(run)
    db.session.commit()
    login_as("evaluator")
    page = client.get(f"/results/{campaign.code}/dossiers").get_data(as_text=True)
    section = page[page.index('id="timeliness"') :]
    assert "Hồ sơ trả kết quả đúng hạn" in section
    assert "01/03/2026 – 31/03/2026" in section
    assert "60,0%" in section, "the commune: 3 of 5 on time, in Vietnamese numbers"
    land = section[section.index("Theo lĩnh vực") :]
    assert land.index("50,0%") < land.index("100,0%"), "land (2 of 4) before civil status"


def test_phones_go_thirty_days_after_the_dossier_was_returned(offices, db, app, monkeypatch):
    """Only to invite the applicant: a returned dossier keeps its phone 30 days; one still
    in process keeps it; the worker's hourly task erases the rest, audited; and a
    cumulative export imported again does not bring an erased phone back."""
    from datetime import timedelta

    from survey.dossiers.retention import erase_old_phones
    from survey.local_time import today

    def day(days_ago: int) -> str:
        return str(today() - timedelta(days=days_ago))

    rows = (
        f"P1,SXD,XD-01,counter,{day(40)},{day(35)},{day(25)},approved,0912345678",
        f"P2,SXD,XD-01,counter,{day(20)},{day(15)},{day(10)},approved,0912345679",
        f"P3,SXD,XD-01,counter,{day(60)},{day(50)},,,0912345670",
    )
    import_records(_csv(*rows), actor="test")
    db.session.commit()

    assert erase_old_phones(today() + timedelta(days=10)) == 1, "P1: returned 35 days before"
    phones = dict(db.session.execute(select(DossierRecord.dossier_code, DossierRecord.phone)).all())
    assert phones == {"P1": None, "P2": "0912345679", "P3": "0912345670"}
    assert erase_old_phones(today() + timedelta(days=10)) == 0
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "privacy.erase_dossier_phones")
    )
    assert event.after["phones_erased"] == 1
    assert hasattr(app.extensions["huey"], "survey_erase_dossier_phones"), "scheduled"

    # The same export again ten days later: P1 was returned over 30 days before, its
    # phone stays out, as does that of a dossier returned long ago.
    monkeypatch.setattr("survey.dossiers.retention.today", lambda: today() + timedelta(days=10))
    older = (f"P4,SXD,XD-01,counter,{day(90)},{day(80)},{day(70)},approved,0912345671",)
    import_records(_csv(*rows, *older), actor="test")
    db.session.commit()
    phones = dict(db.session.execute(select(DossierRecord.dossier_code, DossierRecord.phone)).all())
    assert phones["P1"] is None
    assert phones["P4"] is None
    assert phones["P2"] == "0912345679"


def test_timeliness_is_kept_by_what_it_shows_and_follows_every_change(offices, db):
    """Read again at once while nothing changed; a later export or a corrected agency
    code changes the lines."""
    from datetime import date

    from survey.dossiers.timeliness import timeliness

    import_records(_csv(*TABLE), actor="test")
    march = (date(2026, 3, 1), date(2026, 3, 31))
    before = {(t.agency_code, t.field_code): t for t in timeliness(*march)}
    assert before[("XA-EAKAR", "DD")].overdue_open == 2
    assert timeliness(*march) == list(before.values())
    later = [r for r in TABLE if not r.startswith("D5,")]
    later.append("D5,XA-EAKAR,DD-01,counter,2026-03-02,2026-03-20,2026-03-25,approved,")
    import_records(_csv(*later), actor="test")
    after = {(t.agency_code, t.field_code): t for t in timeliness(*march)}
    assert after[("XA-EAKAR", "DD")].overdue_open == 1, "D5 came back in March"
    assert after[("XA-EAKAR", "DD")].returned == 5
    _sxd, xa = offices
    xa.code = "XA-EA-KAR"
    db.session.flush()
    assert {t.agency_code for t in timeliness(*march)} == {"XA-EA-KAR"}
