"""Build valid objects with as little typing as a test needs; override what matters."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from itertools import count
from pathlib import Path

from sqlalchemy import select

from survey.agencies.models import (
    STANDARD_GROUPS,
    Agency,
    RankingGroup,
    Service,
    ServiceField,
    ServicePoint,
)
from survey.campaigns.models import Campaign, Invitation
from survey.extensions import db
from survey.questionnaires.definition import QUESTIONNAIRE_DIR, load_file
from survey.questionnaires.models import QuestionnaireVersion
from survey.questionnaires.services import import_definition
from survey.responses import coded
from survey.responses.models import Answer, Submission

_numbers = count(1)


def _next() -> int:
    return next(_numbers)


def ranking_group(code: str) -> RankingGroup:
    """The group, made the first time a test asks for it (the PAR Index's own with their
    names, others named after their code)."""
    group = db.session.scalar(select(RankingGroup).where(RankingGroup.code == code))
    if group is None:
        standard = {c: (vi, en, p) for c, vi, en, p in STANDARD_GROUPS}
        vi, en, position = standard.get(code, (f"Khối {code}", f"Group {code}", 9))
        group = RankingGroup(code=code, name_vi=vi, name_en=en, position=position)
        db.session.add(group)
        db.session.flush()
    return group


def agency(**values) -> Agency:
    n = _next()
    defaults = {
        "code": f"AG{n}",
        "name_vi": f"Cơ quan {n}",
        "name_en": f"Agency {n}",
        "kind": "department",
        "ranking_group": "departments",
    }
    ranking_group(values.get("ranking_group", defaults["ranking_group"]))
    instance = Agency(**{**defaults, **values})
    db.session.add(instance)
    db.session.flush()
    return instance


def service_field(**values) -> ServiceField:
    n = _next()
    instance = ServiceField(
        **{"code": f"F{n}", "name_vi": f"Lĩnh vực {n}", "name_en": f"Field {n}", **values}
    )
    db.session.add(instance)
    db.session.flush()
    return instance


def service(**values) -> Service:
    n = _next()
    values.setdefault("agency", agency())
    values.setdefault("field", service_field())
    instance = Service(
        **{"code": f"S{n}", "name_vi": f"Thủ tục {n}", "name_en": f"Procedure {n}", **values}
    )
    db.session.add(instance)
    db.session.flush()
    return instance


def service_point(**values) -> ServicePoint:
    n = _next()
    values.setdefault("agency", agency())
    instance = ServicePoint(
        **{"code": f"p-{n}", "name_vi": f"Quầy {n}", "name_en": f"Counter {n}", **values}
    )
    db.session.add(instance)
    db.session.flush()
    return instance


@cache
def _shipped(name: str):
    """A shipped questionnaire, parsed once per test session (parsing takes 0.3 s)."""
    path = Path(QUESTIONNAIRE_DIR) / name
    return load_file(path), path.read_text(encoding="utf-8")


def questionnaire_version(name: str = "sipas-citizen.yaml"):
    definition, source = _shipped(name)
    return import_definition(definition, source, actor="test").version


def campaign(**values) -> Campaign:
    n = _next()
    values.setdefault("questionnaire_version", questionnaire_version())
    instance = Campaign(
        **{
            "code": f"c{n}",
            "name_vi": f"Đợt {n}",
            "name_en": f"Campaign {n}",
            # Around today: campaigns close by themselves once their last day is over.
            "period_start": date.today() - timedelta(days=200),
            "period_end": date.today() + timedelta(days=165),
            **values,
        }
    )
    db.session.add(instance)
    db.session.flush()
    return instance


def invitation(campaign: Campaign, agency: Agency, **values) -> Invitation:
    """A single-use link of the campaign for a dossier of the agency (valid 30 days)."""
    from survey.db import utcnow

    n = _next()
    if values.get("service_id") and "service_field_id" not in values:
        # The weighting cell, as draws and imports set it.
        values["service_field_id"] = db.session.get(Service, values["service_id"]).field_id
    instance = Invitation(
        **{
            "campaign_id": campaign.id,
            "agency_id": agency.id,
            "token": f"token{n:017d}",
            "dossier_code": f"D{n}",
            "expires_at": utcnow() + timedelta(days=30),
            **values,
        }
    )
    db.session.add(instance)
    db.session.flush()
    return instance


_definitions: dict[str, object] = {}


def _definition(version: QuestionnaireVersion):
    """A version's definition, built once per content."""
    if version.content_hash not in _definitions:
        _definitions[version.content_hash] = version.definition()
    return _definitions[version.content_hash]


def submission(answers: dict[str, int | str] | None = None, **values) -> Submission:
    values.setdefault("campaign", campaign())
    point = values.pop("service_point", None) or service_point()
    kind = values.get("respondent_type", "citizen")
    pinned = values["campaign"].version_for(kind) or values["campaign"].questionnaire_version
    version_id = values.get("questionnaire_version_id", pinned.id)
    # The coded text is derived from the answers, as the app's writers derive it.
    definition = _definition(db.session.get(QuestionnaireVersion, version_id))
    instance = Submission(
        **{
            "questionnaire_version_id": version_id,
            "coded_answers": coded.encode(coded.coded_items(definition), answers or {}),
            "agency": point.agency,
            "service_point": point,
            "channel": "web-qr",
            "respondent_type": "citizen",
            **values,
        }
    )
    for code, value in (answers or {}).items():
        key = "value_int" if isinstance(value, int) else "value_text"
        instance.answers.append(Answer(item_code=code, position=0, **{key: value}))
    db.session.add(instance)
    db.session.flush()
    return instance


def analysis_run(campaign: Campaign, results: dict | None = None, **values):
    """A stored run with only what a test gives it (results, a cut-off, ...)."""
    from datetime import datetime

    from survey.runs.models import AnalysisRun

    instance = AnalysisRun(
        **{
            "campaign_id": campaign.id,
            "questionnaire_version_id": campaign.questionnaire_version_id,
            "cutoff_at": datetime(2026, 12, 31),
            "actor": "test",
            "data_hash": "0" * 64,
            "parameters": {},
            "versions": {},
            "timings": {},
            "screening": {},
            "results": results or {},
            **values,
        }
    )
    db.session.add(instance)
    db.session.flush()
    return instance
