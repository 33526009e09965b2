"""SQLAlchemy 2 typed models (no Flask or Dash imports). Importing this registers all tables."""

from cockpit.models.area import (
    AreaPotential,
    AreaProposal,
    AreaVersion,
    ExportRun,
    ImportMapping,
    Survey,
    SurveyItem,
)
from cockpit.models.deployment import DeploymentInfo
from cockpit.models.geo import District, Municipality
from cockpit.models.indicator import Indicator, IndicatorValue
from cockpit.models.job import Job
from cockpit.models.kenndaten import (
    ChangeRecord,
    ClusterFocus,
    ContactPerson,
    CouncilSeat,
    FocusActor,
    InvestmentItem,
    Membership,
    MunicipalEnterprise,
    StaffCount,
    ThemeCluster,
)
from cockpit.models.user import AuditLog, User, user_municipality

__all__ = [
    "AreaPotential",
    "AreaProposal",
    "AreaVersion",
    "AuditLog",
    "ChangeRecord",
    "ClusterFocus",
    "ContactPerson",
    "CouncilSeat",
    "DeploymentInfo",
    "District",
    "ExportRun",
    "FocusActor",
    "ImportMapping",
    "Indicator",
    "IndicatorValue",
    "InvestmentItem",
    "Job",
    "Membership",
    "MunicipalEnterprise",
    "Municipality",
    "StaffCount",
    "Survey",
    "SurveyItem",
    "ThemeCluster",
    "User",
    "user_municipality",
]
