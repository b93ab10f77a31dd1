"""A run's microdata with its design, for re-analysis in R, Stata or SPSS.

One row per submission the run used: `agency,stratum,psu,weight,channel`, then every
index item's answer (1–5; empty when not answered, hidden by a skip rule or "no answer")
and the global item. Nothing personal: no submission id (the PSU of an element design is
a row number), no time, no service point or client. A side file says which columns are
strata, PSU and weights, the stratum populations of the finite-population correction
(`fpc`, when the campaign applies it), the lonely-PSU rule, and whether and how weights
were raked.

The rows are rebuilt from the database and checked against the run's data hash, so an
export is exactly what the run used or an error: if answers, decisions or frame counts
changed since, the hash differs and the evaluator is told to run the analysis again.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import numpy as np
from sqlalchemy import select

from survey.extensions import db
from survey.runs import extract
from survey.runs.design import make_design, outside_sample
from survey.runs.models import AnalysisRun, RunFlag
from survey.runs.services import data_hash, scheme_of


class MicrodataError(Exception):
    pass


def run_data(analysis_run: AnalysisRun) -> tuple[str, dict[str, Any]]:
    """The CSV text and the design description of the run's microdata."""
    campaign = analysis_run.campaign
    if analysis_run.questionnaire_version_id != campaign.questionnaire_version_id:
        raise MicrodataError("the campaign's questionnaire changed since the run")
    definitions = extract.definitions_of(campaign, analysis_run.cutoff_at)
    definition = definitions[campaign.questionnaire_version_id]
    parameters = analysis_run.parameters
    if "design" not in parameters or not isinstance(parameters["design"], dict):
        raise MicrodataError(
            f"run {analysis_run.id} was made before runs recorded their design; "
            "run the analysis again to export its data"
        )
    data = extract.load(campaign.id, definitions, analysis_run.cutoff_at)
    set_aside = db.session.scalars(
        select(RunFlag.submission_id).where(RunFlag.run_id == analysis_run.id, RunFlag.set_aside)
    ).all()
    data.keep_only(~np.isin(data.ids, set_aside))
    data.keep_only(~outside_sample(data, parameters["design"]))
    # The run's own record of what it set aside is used, so later decisions do not count;
    # changed answers or frame counts do, and change the hash.
    if data_hash(data, campaign, parameters) != analysis_run.data_hash:
        raise MicrodataError(
            f"answers or frame counts changed since run {analysis_run.id}; "
            "run the analysis again and export the new run"
        )
    declared = parameters["design"]
    made = make_design(campaign, data, declared.get("margins_given") or None, declaration=declared)
    scheme = scheme_of(definition)
    items = list(scheme.items)
    if definition.global_item is not None:
        items.append(definition.global_item.code)
    margins = list(declared.get("margins_given") or {})
    order = np.lexsort((data.ids, made.strata, data.agency))
    if declared["kind"] == "element":
        psu = np.empty(len(data), dtype=object)
        psu[order] = np.arange(1, len(data) + 1)
    else:
        psu = made.psu
    raked = bool(declared.get("raked"))
    base = made.design.calibration.base_weights if raked else None
    fpc = made.fpc
    household = declared["kind"] == "household"
    header = ["agency", "stratum", "psu", "weight"]
    header += ["fpc"] if fpc is not None else []
    # A household design's second stage: the household (one interview each, numbered
    # within its village) and the village's listed households.
    header += ["household", "fpc2"] if household else []
    villages = declared.get("villages") or {}
    if household:
        household_number = np.empty(len(data), dtype=np.int64)
        for village in np.unique(psu):
            rows = order[psu[order] == village]
            household_number[rows] = np.arange(1, rows.size + 1)
    header += ["channel", "respondent_type", *items]
    if raked:
        header += ["base_weight", *margins]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for k in order:
        row = [
            data.agency[k],
            made.strata[k],
            psu[k],
            repr(float(made.design.weights[k])),
            *([_population(fpc[k])] if fpc is not None else []),
            *([int(household_number[k]), villages[str(psu[k])]["listed"]] if household else []),
            data.channel[k],
            data.respondent_type[k],
            *(_answer(data.answers[code][k]) for code in items),
        ]
        if raked:
            row += [repr(float(base[k])), *(_answer(data.answers[m][k]) for m in margins)]
        writer.writerow(row)
    description = {
        "run": analysis_run.id,
        "campaign": campaign.code,
        "data_hash": analysis_run.data_hash,
        "rows": len(data),
        "design": declared["kind"],
        "cluster": declared["cluster"],
        "strata": "stratum",
        "psu": "psu",
        "weights": "weight",
        "nest": True,
        # Each stratum's dossiers (Inf: a stratum left uncorrected, as R reads it).
        "fpc": "fpc" if fpc is not None else None,
        "lonely_psu": declared["lonely_psu"],
        "weighting_cell": declared["weighting_cell"],
        "collapsed_cells": declared["collapsed_cells"],
        "raked": raked,
        "margins": declared.get("margins") if raked else None,
        "base_weights": "base_weight" if raked else None,
        "index": {
            "code": scheme.code,
            "threshold": scheme.threshold,
            "components": {c: list(v) for c, v in scheme.components.items()},
            "global_item": definition.index.global_item,
        },
        "ci": parameters.get("ci"),
        "level": parameters.get("level"),
        "ssu": "household" if household else None,
        "fpc2": "fpc2" if household else None,
        "r": (
            "svydesign(ids = ~psu + household, strata = ~stratum, weights = ~weight, "
            "fpc = ~fpc + fpc2, nest = TRUE, data = read.csv(FILE)); "
            "options(survey.lonely.psu = 'adjust')"
        )
        if household
        else (
            "svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, "
            + ("fpc = ~fpc, " if fpc is not None else "")
            + "nest = TRUE, data = read.csv(FILE)); options(survey.lonely.psu = 'adjust')"
            + (
                "; for the variance of raked estimates, start from base_weight and "
                "calibrate(..., calfun = 'raking') to the margins listed here"
                if raked
                else ""
            )
        ),
    }
    return buffer.getvalue(), description


def _population(value: float) -> str:
    return "Inf" if np.isinf(value) else repr(float(value))


def _answer(value: float) -> str:
    return "" if np.isnan(value) else str(int(value))


def design_json(description: dict[str, Any]) -> bytes:
    return (json.dumps(description, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
