"""The attack of someone who can read the database, extended to recommendations: pair
each recommendation with the survey answer its writer had just sent.

Respondents answer at two agencies' counters in an order only the test knows; about
four in ten then leave a recommendation from the thank-you page, as a person does a
moment later. The attacker holds both tables and, on PostgreSQL, the row versions (xmin)
and the rows' places in the table (ctid). They may pair a recommendation only with an
answer of the same agency, day and service field (what both say anyway): chance is one
in that many. Measured: the best of every ordering (ids, row versions, places, times)
against chance, and that no column is shared beyond those.
"""

from __future__ import annotations

import random
from itertools import product

import pytest
from sqlalchemy import text

from survey.extensions import db
from survey.recommendations import services as recommendation_services
from survey.recommendations.models import Recommendation
from tests import factories
from tests.conftest import migrated_app
from tests.respond.conftest import complete_answers, form_fields

# What a recommendation may hold: its own content and decisions, and what the answer
# carries anyway (campaign, agency, service field, the day). Anything else is a way to
# pair; a new column must be added here on purpose.
COLUMNS = {
    "id", "campaign_id", "agency_id", "service_field_id", "source", "theme_chosen", "theme",
    "text", "received_on", "due_on", "reply", "replied_on", "publication", "withheld_reason",
    "reply_sent_on",
}  # fmt: skip


@pytest.fixture
def province(tmp_path):
    with migrated_app(tmp_path) as app:
        with app.app_context():
            fields = [factories.service_field(code=c) for c in ("DD", "XD")]
            points = {}
            for code in ("SXD", "XA-A"):
                agency = factories.agency(code=code)
                services = [factories.service(agency=agency, field=f) for f in fields]
                factories.service_point(code=f"{code.lower()}-1", agency=agency)
                points[f"{code.lower()}-1"] = [(s.id, s.field_id) for s in services]
            factories.campaign(agencies=list(agency.query.all()), status="open")
            db.session.commit()
        yield app, points


def _rows(sql: str) -> list[dict]:
    return [dict(row._mapping) for row in db.session.execute(text(sql))]


def test_a_database_reader_pairs_recommendations_with_answers_no_better_than_chance(
    province, capsys, monkeypatch
):
    app, points = province
    rng = random.Random(3)
    # Ids are drawn at random; drawn here from a seeded generator, so that the measure is
    # the same on every run (the draw's quality is not what is tested).
    ids = random.Random(8)
    monkeypatch.setattr(recommendation_services, "new_id", lambda: ids.randrange(1, 2**31 - 1))
    truth: dict[int, int] = {}  # submission id -> its writer's recommendation text number
    for n in range(160):
        point = rng.choice(sorted(points))
        service_id, _field = rng.choice(points[point])
        client = app.test_client()
        page = client.get(f"/p/{point}").get_data(as_text=True)
        response = client.post(
            f"/p/{point}", data={**form_fields(page), **complete_answers(service_id)}
        )
        assert response.status_code == 303
        if rng.random() < 0.4:
            with app.app_context():
                answer = db.session.execute(text("SELECT max(id) FROM submission")).scalar()
            sent = client.post(
                "/recommend",
                data={"text": f"Kiến nghị số {n}", "service_field": str(_field), "theme": ""},
            )
            assert sent.status_code == 303, sent.get_data(as_text=True)
            truth[answer] = n

    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
        extra = ", xmin::text::bigint AS xmin, ctid::text AS ctid" if postgresql else ""
        recommendations = _rows(f"SELECT *{extra} FROM recommendation")  # noqa: S608
        answers = _rows(
            f"SELECT s.*, f.field_id{extra.replace('xmin', 's.xmin', 1).replace('ctid', 's.ctid', 1)} "  # noqa: S608, E501
            "FROM submission s JOIN service f ON f.id = s.service_id"
        )
        contacts = _rows(f"SELECT *{extra} FROM recommendation_contact")  # noqa: S608
        columns = {c.name for c in Recommendation.__table__.columns}
    assert len(recommendations) == len(truth) >= 50
    assert columns == COLUMNS, columns ^ COLUMNS
    by_text = {int(r["text"].rsplit(" ", 1)[1]): r["id"] for r in recommendations}
    true_pair = {by_text[n]: answer for answer, n in truth.items()}
    answer_of = {a["id"]: a for a in answers}

    # Chance: one among the answers of the same agency, day and field.
    def peers(r: dict) -> list[int]:
        return [
            a["id"] for a in answers
            if a["agency_id"] == r["agency_id"] and a["field_id"] == r["service_field_id"]
            and str(a["submitted_at"])[:10] == str(r["received_on"])
        ]  # fmt: skip

    assert all(true_pair[r["id"]] in peers(r) for r in recommendations), "the attack is sound"
    chance = sum(1 / len(peers(r)) for r in recommendations)

    # Every ordering of one table against every ordering of the other, within each class
    # (agency and field): each ordering is a guess of every recommendation's answer.
    classes: dict[tuple, list[dict]] = {}
    for r in recommendations:
        classes.setdefault((r["agency_id"], r["service_field_id"]), []).append(r)
    r_columns = ["id"] + (["xmin", "ctid"] if postgresql else [])
    a_columns = ["id", "submitted_at", "duration_seconds"] + (
        ["xmin", "ctid"] if postgresql else []
    )
    guesses: list[dict[int, int]] = []
    for r_column, a_column, reverse in product(r_columns, a_columns, (False, True)):
        guess = {}
        for (agency, field), members in classes.items():
            candidates = [a for a in answers if a["agency_id"] == agency and a["field_id"] == field]
            # The attacker knows how many recommendations there are, not which answers
            # left one: the best they can do is line both up in order.
            r_order = sorted(members, key=lambda r: (_key(r[r_column]), r["id"]), reverse=reverse)
            a_order = sorted(candidates, key=lambda a: (_key(a[a_column]), a["id"]))
            step = len(a_order) / len(r_order)
            for i, r in enumerate(r_order):
                guess[r["id"]] = a_order[min(int(i * step), len(a_order) - 1)]["id"]
        guesses.append(guess)
    if postgresql:
        # Transaction ids count up across tables: the answer stored just before a
        # recommendation's own transaction would be its writer's.
        guess = {}
        for r in recommendations:
            earlier = [a for a in peers(r) if answer_of[a]["xmin"] < r["xmin"]]
            if earlier:
                guess[r["id"]] = max(earlier, key=lambda a: answer_of[a]["xmin"])
            same = [a["id"] for a in answers if a["xmin"] == r["xmin"]]
            assert same != [true_pair[r["id"]]], "joined on xmin"
        guesses.append(guess)
        for c in contacts:
            owner = next(r for r in recommendations if r["id"] == c["recommendation_id"])
            assert c["xmin"] == owner["xmin"], "a contact keeps its arrival's row version"

    def best_of(pairs: dict[int, int]) -> int:
        return max(sum(pairs[r] == g for r, g in guess.items()) for guess in guesses)

    best = best_of(true_pair)
    # Chance, measured the same way: the best of the same guesses when each
    # recommendation's writer is any answer of its class, drawn at random; the largest of
    # 1,000 such draws (a leak pairs most of them: 57 of 57 without the blend).
    draw = random.Random(13)
    null = [best_of({r["id"]: draw.choice(peers(r)) for r in recommendations}) for _ in range(1000)]
    ceiling = max(null)

    with capsys.disabled():
        print(
            f"\nrecommendation linkage: {len(recommendations)} recommendations, "
            f"{len(answer_of)} answers; best of {len(guesses)} orderings {best} right; "
            f"by chance {chance:.1f} expected, at most {ceiling} in 1,000 random pairings"
        )
    assert best <= ceiling, (best, ceiling)


def _key(value):
    """Orders ctid '(page,offset)' as numbers; other values as they are."""
    if isinstance(value, str) and value.startswith("("):
        return tuple(int(x) for x in value.strip("()").split(","))
    return value
