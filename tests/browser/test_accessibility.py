"""Every staff page of the demo, in a real browser, checked by axe: no serious or
critical violation. The pages are those of the URL map an administrator can open."""

import re

from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from survey.campaigns.models import Campaign
from survey.db import utcnow
from survey.extensions import db
from survey.jobs.models import Job
from survey.paper import issuing
from survey.paper.models import PaperForm
from survey.recommendations.models import Recommendation

PARAMETER = re.compile(r"<(?:[^:>]+:)?([^>]+)>")


def _values(app) -> dict[str, str]:
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == "demo"))
        agency = next(a for a in campaign.agencies if a.code == "SXD")
        batch = issuing.create_batch(campaign, agency, 1, actor="test", user_id=None)
        # A job under way: its page follows it (no meta refresh, a polite live region).
        job = Job(
            id="c" * 32,
            kind="analysis_run",
            work="analysis_run:campaign:axe",
            arguments={"campaign_id": campaign.id},
            status="running",
            step="small_areas",
            percent=80,
            heartbeat_at=utcnow(),
            actor="quantri",
        )
        db.session.add(job)
        db.session.commit()
        form = db.session.scalar(select(PaperForm).where(PaperForm.batch_id == batch.id))
        recommendation = db.session.scalar(
            select(Recommendation.id).where(Recommendation.agency_id == agency.id).limit(1)
        )
        return {
            "recommendation_id": str(recommendation),
            "code": "demo",
            "agency_code": "SXD",
            "campaign_id": str(campaign.id),
            "version_id": str(campaign.questionnaire_version_id),
            "batch_id": str(batch.id),
            "form_id": str(form.id),
            "record_id": str(agency.id),
            "job_id": job.id,
        }


def test_staff_pages_have_no_serious_accessibility_violations(browser, live_server, tmp_path):
    values = _values(live_server.app)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto("/sign-in")
    page.get_by_label("Tên đăng nhập hoặc thư điện tử").fill("quantri")
    page.get_by_label("Mật khẩu").fill("khao-sat-2026")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/")
    paths = []
    for rule in sorted(live_server.app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint == "static" or "." in rule.rule[-5:]:
            continue
        names = PARAMETER.findall(rule.rule)
        if rule.endpoint.startswith(("respond.", "users.sign")) or any(
            n not in values for n in names
        ):
            continue
        paths.append(PARAMETER.sub(lambda m: values[m[1]], rule.rule))
    axe = Axe()
    problems, checked = [], 0
    for path in paths:
        response = page.goto(path)
        if (
            response is None
            or response.status != 200
            or "html" not in response.headers.get("content-type", "")
        ):
            continue
        checked += 1
        for violation in axe.run(page).response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [n["target"] for n in violation["nodes"]][:3]
                problems.append(f"{path}: {violation['id']} ({violation['help']}) {targets}")
    page.screenshot(path=str(tmp_path / "last-staff-page.png"), full_page=True)
    context.close()
    print(f"axe checked {checked} staff pages")
    assert checked >= 20
    assert not problems, "\n".join(problems)
