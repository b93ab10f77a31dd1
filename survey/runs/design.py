"""The design a run declares: how the campaign's respondents were selected.

The campaign states it (METHODS.md §1) and every run copies it into its parameters:
- element (default): respondents (dossiers) are the sampled units. Strata are the
  weighting cells (agency × service field, optionally × channel, or the agency alone),
  the PSU is the respondent. Service points are where people are met, all of them
  covered: a census, never a cluster.
- clustered: respondents were reached in sampled clusters, interview day × service point
  (intercept fieldwork); strata as declared.

Weights are frame counts over respondents per agency × service field × respondent type
(citizen, organisation), with empty cells collapsed into the rest of their agency and
type, and a type with no respondent at all into the agency's other type; or, when the
campaign weights by selection, 1/π of the invitations drawn from the dossier records,
adjusted for nonresponse within the same cells (only their answers are then used). So
the agency's index weights its citizens and organisations by their dossiers. Raking
always keeps the agency as a margin.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import func, select

from analysis import Design, cell_weights, margins_with_missing, rake, selection_weights
from survey import local_time
from survey.agencies.models import Agency, ServiceField
from survey.campaigns.models import Campaign, Invitation
from survey.extensions import db
from survey.households.models import DrawnVillage, HouseholdOutcome
from survey.households.sampling import drawn_per_village
from survey.runs.extract import RunInput

LONELY_PSU = "adjust"


class DesignDeclarationError(Exception):
    pass


@dataclass
class RunDesign:
    design: Design
    strata: np.ndarray
    psu: np.ndarray
    parameters: dict[str, Any]  # the declaration and what weighting did, for the run
    fpc: np.ndarray | None = None  # each row's stratum population, when corrected


def declared(campaign: Campaign) -> dict[str, Any]:
    """The campaign's declaration, as runs and reports record it."""
    declaration = {
        "kind": campaign.design,
        "strata": campaign.design_strata,
        "cluster": campaign.design_cluster,
        "weighting": campaign.weighting,
        "finite_population": campaign.finite_population,
    }
    if campaign.weighting == "selection":
        declaration["selected"] = selected_totals(campaign)
    if campaign.design == "household":
        declaration["villages"] = household_villages(campaign)
    return declaration


def household_villages(campaign: Campaign) -> dict[str, dict[str, int]]:
    """Per drawn village (by id): its commune's villages in the frame (N_h), its listed
    households (N_i), the households drawn from the listing and those found not eligible
    (vacant, not a dwelling): what the two stages' sizes and the nonresponse adjustment
    need, recorded with the run so that it rebuilds exactly."""
    drawn_households = drawn_per_village(campaign.id)
    not_eligible = dict(
        db.session.execute(
            select(HouseholdOutcome.village_id, HouseholdOutcome.count).where(
                HouseholdOutcome.campaign_id == campaign.id,
                HouseholdOutcome.outcome == "not_eligible",
            )
        ).all()
    )
    return {
        str(v.village_id): {
            "frame_villages": v.frame_villages,
            "listed": v.listed or 0,
            "drawn": int(drawn_households.get(v.village_id, 0)),
            "not_eligible": int(not_eligible.get(v.village_id, 0)),
        }
        for v in db.session.scalars(
            select(DrawnVillage).where(DrawnVillage.campaign_id == campaign.id)
        )
    }


def selected_totals(campaign: Campaign) -> dict[str, float]:
    """Σ 1/π over the campaign's drawn invitations, per agency × service field ×
    applicant type cell: the dossiers each cell's respondents stand for (S_c in
    METHODS.md §2)."""
    rows = db.session.execute(
        select(
            Agency.code,
            ServiceField.code,
            Invitation.applicant_type,
            func.sum(1.0 / Invitation.selection_probability),
        )
        .join(Agency, Agency.id == Invitation.agency_id)
        .join(ServiceField, ServiceField.id == Invitation.service_field_id)
        .where(
            Invitation.campaign_id == campaign.id,
            Invitation.selection_probability.is_not(None),
        )
        .group_by(Agency.code, ServiceField.code, Invitation.applicant_type)
    ).all()
    return {
        cell_of(agency, field, kind): float(total) for agency, field, kind, total in sorted(rows)
    }


def cell_of(agency: str, field: str, respondent_type: str) -> str:
    """A weighting cell's label: agency|field|respondent type."""
    return f"{agency}|{field}|{respondent_type}"


def cells_of(data: RunInput) -> np.ndarray:
    joined = np.char.add(np.char.add(data.agency.astype(str), "|"), data.field.astype(str))
    return np.char.add(np.char.add(joined, "|"), data.respondent_type.astype(str))


def outside_sample(data: RunInput, declaration: Mapping[str, Any]) -> np.ndarray:
    """Rows a selection-weighted run leaves out: answers that did not come through a
    drawn invitation (QR codes, paper, links imported from a file) have no π."""
    if declaration.get("weighting") != "selection":
        return np.zeros(len(data), dtype=bool)
    return ~np.isfinite(data.probability)


def make_design(
    campaign: Campaign,
    data: RunInput,
    margins: Mapping[str, Mapping[str, float]] | None = None,
    declaration: Mapping[str, Any] | None = None,
) -> RunDesign:
    """Weights, strata and PSUs for the run's rows, as the campaign declares them (or as
    `declaration` says: a stored run's own, to rebuild exactly what it used)."""
    declaration = dict(declaration or declared(campaign))
    if declaration["kind"] == "household":
        return _household_design(campaign, data, declaration, margins)
    kind, strata_kind, cluster = (
        declaration["kind"],
        declaration["strata"],
        declaration["cluster"],
    )
    cells = cells_of(data)
    by_selection = declaration.get("weighting") == "selection"
    # The dossiers each cell stands for: Σ 1/π of its draws, or its frame count.
    totals = (
        # Runs before respondent types keyed cells agency|field: those were citizens'.
        {
            (cell if cell.count("|") == 2 else f"{cell}|citizen"): total
            for cell, total in (declaration.get("selected") or {}).items()
        }
        if by_selection
        else {
            cell_of(f.agency.code, f.service_field.code, f.respondent_type): f.dossiers
            for f in campaign.frame_counts
        }
    )
    # Empty cells fold into their agency × type; a type without respondents into the
    # agency's other type (METHODS.md §2, step 2).
    group_of = {cell: _agency_and_type(cell) for cell in totals}
    parent_of = {group: group.split("|", 1)[0] for group in group_of.values()}
    if by_selection:
        if np.any(outside_sample(data, declaration)):
            raise DesignDeclarationError("answers without a selection probability in the data")
        weighting = selection_weights(cells, data.probability, totals, group_of, parent_of)
    else:
        weighting = cell_weights(cells, totals, group_of, parent_of)

    strata = {
        "cell": cells,
        "cell_channel": np.char.add(np.char.add(cells, "|"), data.channel.astype(str)),
        "agency": data.agency.astype(str),
    }[strata_kind]
    if kind == "element":
        psu = data.ids  # each respondent is a unit of its own
    elif cluster == "day_point":
        local_days = local_time.local_days(data.submitted_at)
        psu = np.char.add(np.char.add(data.point.astype(str), "|"), local_days.astype(str))
    else:
        raise DesignDeclarationError(
            f"campaign {campaign.code} declares a clustered design without a cluster"
        )
    # Runs declared before 0026 have no correction: rebuilt, they stay what they were.
    correcting = declaration.get("finite_population", "none") == "frame"
    fpc, uncorrected = (
        population_sizes(strata, weighting.weights)
        if correcting and kind == "element"
        else (None, [])
    )
    design = Design.from_columns(
        strata=strata, psu=psu, weights=weighting.weights, fpc=fpc, lonely_psu=LONELY_PSU
    )
    raked_to: dict[str, Any] = {}
    if margins:
        design, raked_to = _rake(design, data, margins)
    parameters = {
        "kind": kind,
        "strata": strata_kind,
        "cluster": cluster,
        "psu": "respondent" if kind == "element" else cluster,
        "weighting_cell": "agency × service field × respondent type",
        "weighting": declaration.get("weighting", "frame"),
        "selected": dict(declaration.get("selected") or {}),
        "lonely_psu": LONELY_PSU,
        "raked": bool(margins),
        # As given (population shares), and as raked to (totals, with "missing" levels).
        "margins_given": {k: dict(v) for k, v in (margins or {}).items()},
        "margins": raked_to,
        "collapsed_cells": [c.__dict__ for c in weighting.collapsed],
        # Dossiers of each respondent type per agency, before any folding: the weight
        # each type has in the agency's combined index when it answered.
        "type_totals": _type_totals(totals),
        "unrepresented_agencies": weighting.unrepresented,
        # "frame": each stratum's population is the dossiers its respondents stand for;
        # strata with more answers than dossiers are left uncorrected and listed.
        "finite_population": "frame" if fpc is not None else "none",
        "fpc_uncorrected_strata": uncorrected,
    }
    return RunDesign(design=design, strata=strata, psu=psu, parameters=parameters, fpc=fpc)


def population_sizes(strata: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Each row's stratum population for the finite-population correction: the dossiers
    the stratum's respondents stand for, Σ w over the stratum before any raking (a
    weighting cell's frame count, with the dossiers of empty cells folded into it; Σ 1/π
    under selection weighting). A stratum with more respondents than that (answers
    beyond its dossiers: the frame count is short) gets no correction (an infinite
    population, as R reads fpc = Inf) and is listed."""
    labels, code = np.unique(np.asarray(strata).astype(str), return_inverse=True)
    size = np.bincount(code, weights=weights, minlength=labels.size)
    counted = np.bincount(code, minlength=labels.size)
    short = size < counted
    size = np.where(short, np.inf, size)
    return size[code], [str(label) for label in labels[short]]


def _type_totals(totals: Mapping[str, float]) -> dict[str, dict[str, float]]:
    found: dict[str, dict[str, float]] = {}
    for cell, total in sorted(totals.items()):
        agency, _field, respondent_type = cell.rsplit("|", 2)
        kinds = found.setdefault(agency, {})
        kinds[respondent_type] = kinds.get(respondent_type, 0.0) + float(total)
    return found


def _agency_and_type(cell: str) -> str:
    agency, _field, respondent_type = cell.rsplit("|", 2)
    return f"{agency}|{respondent_type}"


def _rake(design: Design, data: RunInput, margins):
    """Rake to the agency (frame totals) and the given population shares, with a
    "missing" level for respondents who left a margin item unanswered."""
    variables = {}
    for variable in margins:
        if variable not in data.answers:
            raise DesignDeclarationError(f"margin variable {variable} is not a coded item")
        values = data.answers[variable]
        coded = np.where(np.isnan(values), 0, values).astype(int).astype(str)
        variables[variable] = np.where(np.isnan(values), None, coded).astype(object)
    shares, targets = margins_with_missing(variables, margins, design.weights)
    agency_totals = {
        agency: float(design.weights[data.agency == agency].sum())
        for agency in np.unique(data.agency)
    }
    raked = rake(design, {"agency": data.agency, **shares}, {"agency": agency_totals, **targets})
    return raked, {"agency": "frame totals", **{k: dict(v) for k, v in targets.items()}}


def _household_design(campaign, data: RunInput, declaration, margins) -> RunDesign:
    """Villages (PSUs) drawn within communes (strata), households within villages, one
    interview each (METHODS.md §2c). The weight of an interview is 1/(π₁π₂), times its
    village's eligible drawn households over its interviews in the run (nonresponse
    adjusted within the village); both stages' population sizes come from the draw."""
    if margins:
        raise DesignDeclarationError("raking a household design is not supported")
    villages = declaration.get("villages") or {}
    if np.isnan(data.village).any() or not np.isfinite(data.probability).all():
        raise DesignDeclarationError(
            f"campaign {campaign.code} declares the household design, but some answers "
            "did not come from a drawn household (no village or no probability)"
        )
    village = data.village.astype(np.int64).astype(str)
    unknown = sorted(set(village) - set(villages))
    if unknown:
        raise DesignDeclarationError(f"answers from villages that were not drawn: {unknown[:5]}")
    codes, interviews = np.unique(village, return_counts=True)
    adjustment = {}
    for code, count in zip(codes, interviews, strict=True):
        sizes = villages[code]
        eligible = max(sizes["drawn"] - sizes["not_eligible"], int(count))
        adjustment[code] = eligible / count
    weights = np.array([adjustment[v] for v in village]) / data.probability
    strata = data.agency.astype(str)
    fpc = np.array([villages[v]["frame_villages"] for v in village], dtype=float)
    design = Design.from_columns(
        strata=strata,
        psu=village,
        weights=weights,
        fpc=fpc,
        ssu=data.ids,
        fpc2=np.array([max(villages[v]["listed"], 1) for v in village], dtype=float),
        lonely_psu=LONELY_PSU,
    )
    parameters = {
        "kind": "household",
        "strata": "commune",
        "cluster": None,
        "psu": "village",
        "ssu": "household",
        "weighting": "household",
        "weighting_cell": "village: 1/(π₁π₂) × eligible drawn households / interviews",
        "selected": {},
        "villages": villages,
        "lonely_psu": LONELY_PSU,
        "raked": False,
        "margins_given": {},
        "margins": {},
        "collapsed_cells": [],
        "type_totals": {},
        "unrepresented_agencies": [],
        "finite_population": "frame",
        "fpc_uncorrected_strata": [],
    }
    return RunDesign(design=design, strata=strata, psu=village, parameters=parameters, fpc=fpc)
