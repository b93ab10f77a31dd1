"""`index: REPLY_ON_TIME`: a criterion scored on the share of recommendations answered
within their working days; and a criterion whose index no one computes is refused."""

from datetime import date, datetime, timedelta

import pytest

from survey.campaigns.models import Campaign
from survey.recommendations import services as recommendations
from survey.recommendations.models import Recommendation
from survey.reform import services
from survey.reform.framework import FrameworkError
from tests import factories
from tests.reform.conftest import SMALL_FRAMEWORK

REPLY_FRAMEWORK = SMALL_FRAMEWORK.replace(
    "      - {code: B, text: {vi: Thưởng, en: Bonus}, max_points: 2, bonus: true}",
    '      - {code: "8.2", text: {vi: Trả lời kiến nghị, en: Replies}, max_points: 4, '
    "index: REPLY_ON_TIME}",
)


def _recommendation(campaign, agency, received: date, replied: date | None):
    made = Recommendation(
        id=recommendations.new_id(), campaign_id=campaign.id, agency_id=agency.id,
        text="x", received_on=received, due_on=received + timedelta(days=14),
        reply="Trả lời" if replied else None, replied_on=replied,
    )  # fmt: skip
    factories.db.session.add(made)


def test_the_criterion_takes_the_on_time_reply_rate_by_the_runs_cut_off(db):
    """Hand-worked, cut-off 1 June 2026, due 14 days after receipt:
    F: answered on time 3, late 1 (the 20 May reply to 1 May), answered after the cut-off
    1 (overdue unanswered on 1 June: late), not yet due 1 → 3 of 5 decided → 2.4 of 4
    points; N: received none → the criterion is missing (0 points, listed)."""
    fast, slow = factories.agency(code="F"), factories.agency(code="N")
    campaign = factories.campaign(
        agencies=[fast, slow], period_start=date(2026, 1, 1), period_end=date(2026, 6, 30)
    )
    framework, _ = services.import_framework(text=REPLY_FRAMEWORK, actor="test")
    services.set_framework(campaign, framework, actor="test")
    may = date(2026, 5, 1)
    for replied in (date(2026, 5, 2), date(2026, 5, 10), date(2026, 5, 15), date(2026, 5, 20)):
        _recommendation(campaign, fast, may, replied)
    _recommendation(campaign, fast, date(2026, 5, 30), None)  # due 13 June: not decided
    _recommendation(campaign, fast, date(2026, 5, 1), date(2026, 6, 5))  # after the cut-off:
    # on 1 June it was overdue unanswered, so late either way → 3 of 5 decided.
    db.session.flush()
    run = factories.analysis_run(
        campaign,
        {"agencies": {c: {"SIPAS": {"estimate": 0.5}} for c in ("F", "N")}},
        cutoff_at=datetime(2026, 6, 1, 3),  # 10:00 in Vietnam
    )
    league = services.league(campaign, run)
    assert league.row("F").score.points["8.2"] == pytest.approx(4 * 3 / 5)
    assert "8.2" in league.row("N").score.missing


def test_a_framework_naming_an_index_nobody_computes_is_refused_at_import(db, runner, tmp_path):
    factories.campaign(code="c-known")  # a stored questionnaire: SIPAS and its parts exist
    text = SMALL_FRAMEWORK.replace("index: SIPAS", "index: NO_SUCH_INDEX")
    with pytest.raises(FrameworkError, match=r"criterion 8\.1: index NO_SUCH_INDEX"):
        services.import_framework(text=text, actor="test")
    path = tmp_path / "f.yaml"
    path.write_text(text, "utf-8")
    result = runner.invoke(args=["reform", "import", str(path)])
    assert result.exit_code != 0
    assert "criterion 8.1: index NO_SUCH_INDEX" in result.output


def test_adoption_refuses_an_index_the_campaign_does_not_compute(db, client, login_as):
    """A framework stored before imports checked its indices (or for another
    questionnaire) is refused when a campaign adopts it: on the dashboard too, with
    nothing changed."""
    from survey.reform.framework import load_text
    from survey.reform.models import ReformFramework

    own = factories.campaign(code="c-own")
    text = SMALL_FRAMEWORK.replace("index: SIPAS", "index: NO_SUCH_INDEX")
    definition = load_text(text)
    framework = ReformFramework(
        code=definition.code, content_hash=definition.content_hash,
        content=dict(definition.content), source_yaml=text,
    )  # fmt: skip
    db.session.add(framework)
    db.session.commit()
    with pytest.raises(FrameworkError, match=r"criterion 8\.1: index NO_SUCH_INDEX"):
        services.set_framework(own, framework, actor="test")
    db.session.rollback()
    login_as("evaluator")
    response = client.post(f"/results/{own.code}/framework", data={"framework_id": framework.id})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tiêu chí 8.1 của bộ chỉ số small lấy chỉ số NO_SUCH_INDEX" in page
    db.session.expire_all()
    assert db.session.get(Campaign, own.id).framework_id is None
