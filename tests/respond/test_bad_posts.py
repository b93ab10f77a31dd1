"""Whatever a client posts, the survey answers with a page (never a 500) and stores nothing
unless the answers are complete and valid."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from survey.responses.models import Submission
from tests.respond.conftest import complete_answers, form_fields

REQUIRED = ["A1", "A2", "B1", "B2", "B4", "TC1", "TT3", "CC5", "KQ2"]
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
BREAKING = st.one_of(
    st.integers(-(10**12), 10**12).filter(lambda v: not 1 <= v <= 5).map(str),
    TEXT.filter(lambda t: not t.strip().isdigit()),
    st.just(""),
)
MUTATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("set"), st.sampled_from(REQUIRED), BREAKING),
        st.tuples(st.just("drop"), st.sampled_from(REQUIRED), st.none()),
        st.tuples(st.just("huge"), st.just("E10"), st.integers(2001, 20000)),
        st.tuples(
            st.just("list"), st.sampled_from(REQUIRED), st.lists(BREAKING, min_size=2, max_size=3)
        ),
        st.tuples(st.just("drop_token"), st.none(), st.none()),
        st.tuples(st.just("forge_token"), st.none(), TEXT),
    ),
    min_size=1,
    max_size=3,
)
UNKNOWN = st.dictionaries(st.text(min_size=1, max_size=12), TEXT, max_size=3)


def _apply(data, mutations):
    data = {k: [v] for k, v in data.items()}
    for kind, code, value in mutations:
        if kind == "set":
            data[code] = [value]
        elif kind == "drop":
            data.pop(code, None)
        elif kind == "huge":
            data[code] = ["Ý" * value]
        elif kind == "list":
            data[code] = value
        elif kind == "drop_token":
            data.pop("form_token", None)
        elif kind == "forge_token":
            data["form_token"] = [value]
    return data


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(mutations=MUTATIONS, unknown=UNKNOWN)
def test_bad_posts_never_fail_and_never_store(client, open_campaign, db, mutations, unknown):
    _, agency, _ = open_campaign
    page = client.get("/p/sxd-1").get_data(as_text=True)
    data = _apply({**form_fields(page), **complete_answers(agency.services[0].id)}, mutations)
    for key, value in unknown.items():
        data.setdefault(key, [value])
    response = client.post("/p/sxd-1", data=data)
    if response.status_code == 303:
        # Post/Redirect/Get: what was typed is kept and shown again with its problems.
        assert "check=1" in response.headers["Location"], response.headers["Location"]
        response = client.get(response.headers["Location"])
        assert response.status_code == 200
        assert 'id="error-summary"' in response.get_data(as_text=True)
    else:
        assert response.status_code == 400, response.status_code
    assert "<h1" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 0


def test_a_post_without_the_csrf_token_is_refused(database_url, open_campaign):
    import re

    from tests.conftest import make_app

    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/p/sxd-1").get_data(as_text=True)
    answers = {**form_fields(page), **complete_answers(open_campaign[1].services[0].id)}
    assert client.post("/p/sxd-1", data=answers).status_code == 400
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/p/sxd-1", data={**answers, "csrf_token": csrf}).status_code == 303
