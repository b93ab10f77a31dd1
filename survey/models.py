"""Every model, imported in one place so the metadata (and Alembic) sees all tables."""

from survey.agencies.models import Agency, AgencySuccession, Service, ServiceField, ServicePoint
from survey.audit.models import AuditEvent
from survey.campaigns.models import (
    Campaign,
    FrameCount,
    Invitation,
    SamplingCell,
    SamplingPlan,
    campaign_agency,
)
from survey.dossiers.models import DossierRecord
from survey.households.models import (
    DrawnVillage,
    FieldDevice,
    FieldReceipt,
    HouseholdOutcome,
    HouseholdPlan,
    ListedHousehold,
    Village,
)
from survey.integrations.models import IntegrationToken
from survey.jobs.models import Job
from survey.paper.models import Batch, PaperEntry, PaperForm, PaperResolution
from survey.questionnaires.models import Questionnaire, QuestionnaireVersion
from survey.recommendations.models import Recommendation, RecommendationContact
from survey.reform.models import ReformFramework, ReformPoints
from survey.responses.models import Answer, Submission
from survey.runs.models import AnalysisRun
from survey.users.models import User

__all__ = [
    "Agency",
    "AgencySuccession",
    "AnalysisRun",
    "Answer",
    "AuditEvent",
    "Batch",
    "Campaign",
    "DossierRecord",
    "DrawnVillage",
    "FieldDevice",
    "FieldReceipt",
    "FrameCount",
    "HouseholdOutcome",
    "HouseholdPlan",
    "IntegrationToken",
    "Invitation",
    "Job",
    "ListedHousehold",
    "PaperEntry",
    "PaperForm",
    "PaperResolution",
    "Questionnaire",
    "QuestionnaireVersion",
    "Recommendation",
    "RecommendationContact",
    "ReformFramework",
    "ReformPoints",
    "SamplingCell",
    "SamplingPlan",
    "Service",
    "ServiceField",
    "ServicePoint",
    "Submission",
    "User",
    "Village",
    "campaign_agency",
]
