from io import BytesIO

import pytest
from sqlalchemy import select

from survey.questionnaires.definition import QUESTIONNAIRE_DIR
from survey.questionnaires.models import QuestionnaireVersion


@pytest.fixture
def admin(login_as):
    return login_as("admin")


def _upload(client, text, name="q.yaml"):
    return client.post(
        "/admin/questionnaires/upload",
        data={"file": (BytesIO(text.encode()), name)},
        content_type="multipart/form-data",
    )


def test_a_broken_file_shows_its_errors_and_stores_nothing(client, admin, db):
    text = (QUESTIONNAIRE_DIR / "sipas-citizen.yaml").read_text("utf-8")
    response = _upload(client, text.replace("component: CC\n", "component: ZZ\n", 1), "bad.yaml")
    assert response.status_code == 400
    assert "bad.yaml: item CC1: component &#39;ZZ&#39; is not declared" in response.get_data(
        as_text=True
    )
    assert db.session.scalar(select(QuestionnaireVersion)) is None


def test_upload_preview_and_publish(client, admin, db):
    text = (QUESTIONNAIRE_DIR / "sipas-citizen.yaml").read_text("utf-8")
    response = _upload(client, text)
    assert response.status_code == 302
    version = db.session.scalar(select(QuestionnaireVersion))
    assert version.published_at is None
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Công chức có thái độ giao tiếp lịch sự" in preview
    assert '<fieldset id="TC1" class="field scale"' in preview
    english = client.get(f"/admin/questionnaires/versions/{version.id}?preview_lang=en")
    assert "The civil servant is polite and respectful." in english.get_data(as_text=True)
    client.post(f"/admin/questionnaires/versions/{version.id}/publish")
    db.session.refresh(version)
    assert version.published_at is not None
    assert _upload(client, text).status_code == 302
    assert len(db.session.scalars(select(QuestionnaireVersion)).all()) == 1


def test_evaluators_may_read_but_not_upload(client, login_as, db):
    login_as("evaluator")
    assert client.get("/admin/questionnaires/").status_code == 200
    assert _upload(client, "x: 1").status_code == 403


BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (BOMB, "values once aliases expand"),
        ("[" * 3000 + "]" * 3000, "nested more than 40 levels"),
    ],
)
def test_hostile_yaml_is_refused_cheaply_with_a_message(client, admin, db, text, problem):
    """A 500-byte alias bomb once cost 1.2 GB and a 398 MB error string."""
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    response = _upload(client, text, "bomb.yaml")
    assert response.status_code == 400
    assert problem in response.get_data(as_text=True)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100
    assert db.session.scalar(select(QuestionnaireVersion)) is None


def test_an_oversized_definition_is_refused_before_parsing():
    """Checked on the text: a megabyte through the test client would spill to a temporary
    file that the client itself never closes."""
    from survey.definition_files import parse_yaml
    from survey.questionnaires.definition import QuestionnaireError

    with pytest.raises(QuestionnaireError, match="larger than 1,000,000 characters"):
        parse_yaml("a: " + "x" * 1_000_001, "big.yaml", QuestionnaireError)
