import pytest

from survey.paper import issuing
from survey.users.services import create_user
from tests import factories


@pytest.fixture
def paper_campaign(db):
    """An open campaign on the citizen questionnaire with one agency and two services."""
    agency = factories.agency(code="SXD")
    field = factories.service_field(code="XD")
    factories.service(agency=agency, field=field, code="S1")
    factories.service(agency=agency, field=field, code="S2")
    point = factories.service_point(agency=agency, code="sxd-1")
    campaign = factories.campaign(agencies=[agency], status="open")
    return campaign, agency, point


def make_user(username: str, role: str = "surveyor"):
    user, _password = create_user(
        username=username, role=role, password="correct horse battery", actor="test"
    )
    return user


def assign_to(user, campaign, agency) -> None:
    """A surveyor works only on the batches of agencies they are assigned to."""
    from survey.paper.assignments import assign

    assign(campaign, agency, user, actor="test", user_id=None)


@pytest.fixture
def keyers(db):
    return make_user("keyer.a"), make_user("keyer.b"), make_user("super", "evaluator")


@pytest.fixture
def batch(paper_campaign, keyers):
    campaign, agency, point = paper_campaign
    return issuing.create_batch(
        campaign, agency, 5, surveyor=keyers[0], service_point=point, actor="test", user_id=None
    )


def paper_answers(definition, **overrides) -> dict[str, str]:
    """A complete paper form: the first code of every shown item, in paper codes."""
    typed = {}
    for question in definition.items:
        if question.type_name in ("short_text", "long_text"):
            typed[question.code] = ""
        elif question.type_name == "number":
            typed[question.code] = str(question.min or 1)
        elif question.type_name in ("satisfaction",):
            typed[question.code] = "4"
        elif question.type_name == "service":
            typed[question.code] = "1"
        else:
            typed[question.code] = str(question.options[0].value)
    typed.update(overrides)
    # Items the answers skip are left empty, as on paper.
    answers: dict = {}
    for question in definition.items:
        if question.show_if is not None and not question.show_if.is_met(answers):
            typed[question.code] = ""
        elif typed[question.code] and question.type_name != "service":
            try:
                answers[question.code] = int(typed[question.code])
            except ValueError:
                answers[question.code] = typed[question.code]
    return typed
