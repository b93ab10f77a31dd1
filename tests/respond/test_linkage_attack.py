"""The attack of someone who can read the database: pair the link answers with the
invitations (and so the phones and dossier codes) they came through.

A thin campaign, as ~100 communes and wards see it: a department drawn at π = 0.5 and two
communes where every dossier with a phone is invited (π = 1), a hundred dossiers each,
about a third of the links answered through the real HTTP route in an order unrelated to
the draw, interleaved with answers at a counter's QR code; some links opened and left,
some left half-way through the survey in step mode. The attacker then holds every table
(invitations, answers with their items B2/B3 that echo the dossier's channel and
timeliness, drafts, link counts, sampling cells, dossier records) and, on PostgreSQL, the
row-version ids (xmin).

For each link answer the attack keeps the used invitations that agree with it on every
column the invitation still has; the answer's anonymity set is what is left. Measured:
the share of answers in a set of at least five, and the pairs a best guess gets right
(Σ 1/|set|, the truth always being in its set), against chance: a random pairing among the
used invitations of the answer's agency and applicant type, which both sides must name.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from itertools import product

import pytest
from sqlalchemy import select, text

from survey.campaigns.models import Invitation, SamplingPlan
from survey.dossiers import sampling
from survey.dossiers.models import DossierRecord
from survey.extensions import db
from survey.local_time import today
from tests import factories
from tests.conftest import migrated_app
from tests.respond.conftest import complete_answers, form_fields

CHANNEL_ANSWER = {"counter": "1", "online": "2", "post": "3"}
TIMELINESS_ANSWER = {"on_time": "1", "late": "2"}
# What a used invitation may still hold: what its answer carries anyway (agency, field,
# applicant type, π), random tokens, and flags. Anything else is a way to pair.
KEPT_AFTER_USE = {
    "id",
    "campaign_id",
    "token",
    "dossier_hash",
    "agency_id",
    "service_field_id",
    "applicant_type",
    "selection_probability",
    "used",
    "opened",
    "created_at",
    "expires_at",
}
# The columns a used invitation must share with every other one (no time of its own).
SAME_FOR_ALL = ("created_at", "expires_at", "opened")


@pytest.fixture
def province(tmp_path):
    with migrated_app(tmp_path) as app:
        with app.app_context():
            fields = [factories.service_field(code=c) for c in ("DD", "HT")]
            plans = {"SXD": 0.5, "XA-A": 1.0, "XA-B": 1.0}
            campaign_agencies = []
            rng = random.Random(5)
            for code in plans:
                agency = factories.agency(code=code)
                campaign_agencies.append(agency)
                services = [
                    factories.service(agency=agency, field=f, code=f"{code}-{f.code}-{n}")
                    for f in fields
                    for n in (1, 2)
                ]
                for i in range(100):
                    returned = today() - timedelta(days=1 + i % 10)
                    late = rng.random() < 0.2
                    db.session.add(
                        DossierRecord(
                            dossier_code=f"{code}.2026.{i:04d}",
                            agency_id=agency.id,
                            service_id=rng.choice(services).id,
                            channel=rng.choice(("counter", "counter", "online", "post")),
                            received_on=returned - timedelta(days=12),
                            due_on=returned - timedelta(days=1 if late else -1),
                            returned_on=returned,
                            result="approved",
                            phone=f"09{rng.randrange(10**8):08d}",
                        )
                    )
            factories.service_point(code="sxd-1", agency=campaign_agencies[0])
            campaign = factories.campaign(agencies=campaign_agencies, status="open")
            for agency in campaign_agencies:
                db.session.add(
                    SamplingPlan(
                        campaign_id=campaign.id,
                        agency_id=agency.id,
                        dossiers=100,
                        with_phone=100,
                        planned=round(100 * plans[agency.code]),
                        response_rate=1.0,
                        probability=plans[agency.code],
                    )
                )
            db.session.flush()
            sampling.draw(campaign, today(), actor="test", random=random.Random(11))
            db.session.commit()
            counter_service = campaign_agencies[0].services[0].id
        yield app, counter_service


def _answer(app, path: str, answers: dict) -> None:
    client = app.test_client()
    page = client.get(path).get_data(as_text=True)
    response = client.post(path, data={**form_fields(page), **answers})
    assert response.status_code == 303


def _half_answered(app, path: str, answers: dict) -> None:
    """The first step of the survey in step mode, then gone: a draft stays behind."""
    client = app.test_client()
    page = client.get(path).get_data(as_text=True)
    first = {k: v for k, v in answers.items() if k.startswith("A")}
    response = client.post(path, data={**form_fields(page), **first, "step": "1", "nav": "next"})
    assert response.status_code == 303


def _rows(sql: str) -> list[dict]:
    return [dict(row._mapping) for row in db.session.execute(text(sql))]


def test_a_database_reader_pairs_link_answers_no_better_than_chance(province, capsys):
    app, counter_service = province
    with app.app_context():
        drawn = [
            (i.token, i.agency_id, i.service_id, i.dossier_channel, i.dossier_timeliness)
            for i in db.session.scalars(select(Invitation).order_by(Invitation.id))
        ]
    rng = random.Random(7)
    rng.shuffle(drawn)
    truth: dict[str, dict] = {}  # token -> what the answer says: only the test knows
    for n, (token, _agency, service, channel, timeliness) in enumerate(drawn):
        answers = complete_answers(
            service, B2=CHANNEL_ANSWER[channel], B3=TIMELINESS_ANSWER[timeliness]
        )
        luck = rng.random()
        if luck < 0.33:
            if n % 3 == 0:
                _answer(app, "/p/sxd-1", complete_answers(counter_service))  # at the counter
            _answer(app, f"/s/{token}", answers)
            with app.app_context():
                truth[token] = db.session.execute(
                    text("SELECT max(id) FROM submission WHERE channel = 'web-link'")
                ).scalar()
        elif luck < 0.40:
            _half_answered(app, f"/s/{token}?step=1", answers)  # left half-way
        elif luck < 0.50:
            app.test_client().get(f"/s/{token}")  # opened, never answered

    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
        version = ", xmin::text::bigint AS xmin" if postgresql else ""
        used = _rows(f"SELECT *{version} FROM invitation WHERE used")  # noqa: S608 - constant
        answers = {
            row["id"]: row
            for row in _rows(
                f"SELECT s.*, f.field_id{version.replace('xmin', 's.xmin', 1)} "  # noqa: S608
                "FROM submission s JOIN service f ON f.id = s.service_id "
                "WHERE s.channel = 'web-link'"
            )
        }
        for row in _rows("SELECT submission_id, item_code, value_int FROM answer"):
            if row["submission_id"] in answers:
                answers[row["submission_id"]][row["item_code"]] = row["value_int"]
        drafts = _rows("SELECT * FROM survey_draft")
        dossiers = _rows("SELECT * FROM dossier_record")
        unused_codes = {
            row["dossier_code"]
            for row in _rows("SELECT dossier_code FROM invitation WHERE NOT used")
        }
    assert len(used) == len(answers) == len(truth) >= 60
    by_token = {row["token"]: row for row in used}
    true_pair = {answer_id: by_token[token]["id"] for token, answer_id in truth.items()}

    # 1. A used invitation keeps nothing the answer does not carry, and no time of its own.
    for row in used:
        kept = {column for column, value in row.items() if value is not None} - {"xmin"}
        assert kept <= KEPT_AFTER_USE, kept - KEPT_AFTER_USE
    for column in SAME_FOR_ALL:
        assert len({row[column] for row in used}) == 1, f"used invitations differ in {column}"
    # Drafts of half-answered links hold a sealed blob: no item, no service to join on.
    assert drafts, "some links were left half-way"
    for draft in drafts:
        values = draft["values"]
        values = values if isinstance(values, dict) else json.loads(values)
        assert set(values) == {"sealed"}, "a blob only the respondent's browser opens"

    # 2. The anonymity set of each answer: the used invitations agreeing on every column.
    def agrees(answer: dict, invitation: dict) -> bool:
        pairs = [
            ("agency_id", "agency_id"),
            ("applicant_type", "respondent_type"),
            ("selection_probability", "selection_probability"),
            ("service_field_id", "field_id"),
            ("service_id", "service_id"),
            ("dossier_timeliness", "dossier_timeliness"),
        ]
        for left, right in pairs:
            if invitation.get(left) is not None and invitation[left] != answer[right]:
                return False
        channel = invitation.get("dossier_channel")
        if channel is not None and CHANNEL_ANSWER[channel] != str(answer.get("B2")):
            return False
        created = invitation["created_at"]
        return created is None or _as_time(created) <= _as_time(answer["submitted_at"])

    sets = {a: [i["id"] for i in used if agrees(answer, i)] for a, answer in answers.items()}
    assert all(true_pair[a] in members for a, members in sets.items()), "the attack is sound"
    sizes = sorted(len(members) for members in sets.values())
    at_least_five = sum(size >= 5 for size in sizes) / len(sizes)
    best_guess = sum(1 / len(members) for members in sets.values())
    peers = {}
    for row in used:
        key = (row["agency_id"], row["applicant_type"])
        peers[key] = peers.get(key, 0) + 1
    chance = sum(1 / peers[(a["agency_id"], a["respondent_type"])] for a in answers.values())

    # 3. Orderings (ids, times, row versions) and equal row versions.
    columns = ["id", "created_at", "expires_at"] + (["xmin"] if postgresql else [])
    best_ordering = 0
    for i_column, s_column in product(columns, ["id", "submitted_at", "duration_seconds"]):
        if s_column == "duration_seconds" and i_column != "id":
            continue
        for reverse in (False, True):
            i_order = _ordered(used, i_column, reverse)
            s_order = _ordered(list(answers.values()), s_column, False)
            right = sum(true_pair[s] == i for i, s in zip(i_order, s_order, strict=True))
            best_ordering = max(best_ordering, right)
    if postgresql:
        for row in used:
            same = [a for a, answer in answers.items() if answer["xmin"] == row["xmin"]]
            assert not (len(same) == 1 and true_pair[same[0]] == row["id"]), "joined on xmin"

    # 4. The dossier records' route, where every dossier was invited (π = 1): the frame
    # less the dossiers of the links not used would be the used links' dossiers, if an
    # invitation named its dossier.
    take_all = {a["agency_id"] for a in answers.values() if a["selection_probability"] == 1.0}
    left = [
        d for d in dossiers if d["agency_id"] in take_all and d["dossier_code"] not in unused_codes
    ]
    dossier_sets = [
        [
            d
            for d in left
            if d["agency_id"] == a["agency_id"]
            and d["service_id"] == a["service_id"]
            and CHANNEL_ANSWER[d["channel"]] == str(a.get("B2"))
            and (str(d["returned_on"]) <= str(d["due_on"]))
            == (a["dossier_timeliness"] == "on_time")
        ]
        for a in answers.values()
        if a["agency_id"] in take_all
    ]
    dossier_five = sum(len(s) >= 5 for s in dossier_sets) / len(dossier_sets)

    with capsys.disabled():
        print(
            f"\nlinkage: {len(answers)} link answers; anonymity sets median "
            f"{sizes[len(sizes) // 2]}, smallest {sizes[0]}, {at_least_five:.0%} of at least 5; "
            f"best guess {best_guess:.1f} right, chance {chance:.1f}, best ordering "
            f"{best_ordering}; dossier route (π = 1): {dossier_five:.0%} in sets of at least 5"
        )
    assert at_least_five >= 0.95, sizes
    assert best_guess <= max(5, 3 * chance), (best_guess, chance)
    assert best_ordering <= max(5, 3 * chance), best_ordering
    # What is left on that route is what the answer itself says (its service, the
    # respondent's B2, timeliness) against the province's records: every dossier of the
    # class, answered or not, invited or not. No stored link narrows it.
    assert unused_codes <= {None}, "no drawn link names its dossier"
    assert dossier_five > 0


def _as_time(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _ordered(rows: list[dict], column: str, reverse: bool) -> list[int]:
    ordered = sorted(rows, key=lambda r: (r[column] is None, r[column], r["id"]), reverse=reverse)
    return [r["id"] for r in ordered]
