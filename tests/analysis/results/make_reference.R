# Reference values from R's survey package for tests/analysis/test_against_r.py.
#
# Run from the repository root:  Rscript tests/analysis/results/make_reference.R
# It reads responses.csv and margins.csv (made by make_data.py) and writes the
# reference_*.csv files beside this script. R is not needed to run the tests.
suppressMessages(library(survey))
here <- "tests/analysis/results"
d <- read.csv(file.path(here, "responses.csv"), stringsAsFactors = FALSE)
margins <- read.csv(file.path(here, "margins.csv"), stringsAsFactors = FALSE)
components <- list(TC = c("TC1", "TC2", "TC3", "TC4"), TT = c("TT1", "TT2", "TT3", "TT4"),
                   CC = c("CC1", "CC2", "CC3", "CC4", "CC5"), KQ = c("KQ1", "KQ2", "KQ3"),
                   PA = c("PA1", "PA2", "PA3"))
items <- unlist(components, use.names = FALSE)
agencies <- sort(unique(d$agency))
for (code in items) d[[paste0("s_", code)]] <- as.numeric(d[[code]] >= 4)
out <- function(frame, name) {
  # Every digit a double holds, so that tests can ask for 1e-9 agreement.
  for (column in names(frame)) {
    if (is.double(frame[[column]])) frame[[column]] <- sprintf("%.17g", frame[[column]])
  }
  write.csv(frame, file.path(here, paste0("reference_", name, ".csv")), row.names = FALSE)
}
cat("survey", as.character(packageVersion("survey")), "on", R.version.string, "\n")

# The rows of agency `a` that answered `code`: intervals and degrees of freedom are those
# of this subset (degf counts its PSUs; the subset keeps the design's PSU counts, so the
# estimate and SE equal the domain's). svyciprop(na.rm = TRUE) on the agency alone would
# take the agency's degf: see METHODS.md §3.
answered <- function(des, a, code) {
  des[des$variables$agency == a & !is.na(des$variables[[code]]), ]
}

make_design <- function(fpc = FALSE) {
  if (fpc) svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, fpc = ~fpc,
                     nest = TRUE, data = d)
  else svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, nest = TRUE, data = d)
}

# Items: domain means of the 0/1 "satisfied" indicator, SEs, deff, CIs and df.
item_table <- function(des, with_ci = TRUE) {
  rows <- list()
  for (code in items) {
    f <- as.formula(paste0("~s_", code))
    est <- svyby(f, ~agency, des, svymean, na.rm = TRUE, deff = "replace")
    for (i in seq_len(nrow(est))) {
      a <- est$agency[i]
      row <- data.frame(agency = a, code = code, estimate = est[i, 2], se = est[i, 3],
                        deff = est[i, 4])
      if (with_ci) {
        sub <- answered(des, a, code)
        logit <- svyciprop(as.formula(paste0("~I(", code, " >= 4)")), sub, method = "logit")
        beta <- svyciprop(as.formula(paste0("~I(", code, " >= 4)")), sub, method = "beta",
                          na.rm = TRUE)
        row$df <- degf(sub)
        row$logit_low <- attr(logit, "ci")[1]
        row$logit_high <- attr(logit, "ci")[2]
        row$beta_low <- attr(beta, "ci")[1]
        row$beta_high <- attr(beta, "ci")[2]
      }
      rows[[length(rows) + 1]] <- row
    }
  }
  do.call(rbind, rows)
}

# Components and the overall index: averages of item indices, with SEs from svytotal of
# the averaged influence values z = a (s - p) / W, computed here with R's own estimates.
influence_columns <- function(des) {
  w <- weights(des)
  z <- list()
  for (a in agencies) {
    inside <- d$agency == a
    item_z <- list()
    for (code in items) {
      answered <- inside & !is.na(d[[code]])
      W <- sum(w[answered])
      p <- sum(w[answered] * d[[paste0("s_", code)]][answered]) / W
      zz <- numeric(nrow(d))
      zz[answered] <- (d[[paste0("s_", code)]][answered] - p) / W
      item_z[[code]] <- list(z = zz, p = p)
    }
    comp <- list()
    for (cc in names(components)) {
      zs <- sapply(components[[cc]], function(code) item_z[[code]]$z)
      ps <- sapply(components[[cc]], function(code) item_z[[code]]$p)
      comp[[cc]] <- list(z = rowMeans(zs), p = mean(ps))
    }
    overall_z <- rowMeans(sapply(comp, function(x) x$z))
    overall_p <- mean(sapply(comp, function(x) x$p))
    z[[a]] <- list(components = comp, overall = list(z = overall_z, p = overall_p))
  }
  z
}

component_table <- function(des) {
  z <- influence_columns(des)
  rows <- list()
  for (a in agencies) {
    for (cc in c(names(components), "SIPAS")) {
      entry <- if (cc == "SIPAS") z[[a]]$overall else z[[a]]$components[[cc]]
      des2 <- des
      des2$variables$zz <- entry$z
      total <- svytotal(~zz, des2)
      rows[[length(rows) + 1]] <- data.frame(
        agency = a, level = if (cc == "SIPAS") "overall" else "component", code = cc,
        estimate = entry$p, se = SE(total)[1])
    }
  }
  do.call(rbind, rows)
}

overall_covariance <- function(des) {
  z <- influence_columns(des)
  columns <- sapply(agencies, function(a) z[[a]]$overall$z)
  colnames(columns) <- paste0("z_", agencies)
  des2 <- des
  for (name in colnames(columns)) des2$variables[[name]] <- columns[, name]
  total <- svytotal(as.formula(paste("~", paste(colnames(columns), collapse = "+"))), des2)
  v <- vcov(total)
  data.frame(agency = agencies, v, check.names = FALSE)
}

mean_table <- function(des) {
  rows <- list()
  for (code in items) {
    est <- svyby(as.formula(paste0("~", code)), ~agency, des, svymean, na.rm = TRUE)
    for (i in seq_len(nrow(est))) {
      sub <- answered(des, est$agency[i], code)
      m <- svymean(as.formula(paste0("~", code)), sub, na.rm = TRUE)
      ci <- confint(m, df = degf(sub))
      rows[[length(rows) + 1]] <- data.frame(agency = est$agency[i], code = code,
        estimate = est[i, 2], se = est[i, 3], ci_low = ci[1], ci_high = ci[2])
    }
  }
  do.call(rbind, rows)
}

options(survey.lonely.psu = "adjust")
des <- make_design()
out(item_table(des), "items_adjust")
out(component_table(des), "components_adjust")
out(overall_covariance(des), "overall_covariance_adjust")
out(mean_table(des), "means_adjust")

for (rule in c("remove", "certainty", "average")) {
  options(survey.lonely.psu = rule)
  out(item_table(make_design(), with_ci = FALSE), paste0("items_", rule))
}
options(survey.lonely.psu = "fail")
failed <- tryCatch({ svyby(~s_TC1, ~agency, make_design(), svymean, na.rm = TRUE); "no error" },
                   error = function(e) conditionMessage(e))
out(data.frame(message = failed), "fail")

options(survey.lonely.psu = "adjust")
out(item_table(make_design(fpc = TRUE), with_ci = FALSE), "items_fpc")

# Raking to the gender and age margins; variance in the calibration (GREG) form.
totals <- function(variable) setNames(margins$target[margins$variable == variable],
                                      margins$level[margins$variable == variable])
g <- totals("gender"); a <- totals("age_band")
d$gender <- factor(d$gender, levels = names(g))
d$age_band <- factor(d$age_band, levels = names(a))
des <- make_design()
population <- c(`(Intercept)` = sum(g), setNames(g[-1], paste0("gender", names(g)[-1])),
                setNames(a[-1], paste0("age_band", names(a)[-1])))
raked <- calibrate(des, ~gender + age_band, population, calfun = "raking",
                   epsilon = 1e-13, maxit = 200)
out(data.frame(weight = weights(raked)), "raked_weights")
out(item_table(raked, with_ci = FALSE), "items_raked")
out(component_table(raked), "components_raked")
out(overall_covariance(raked), "overall_covariance_raked")

# Holm's adjustment, for the comparison tables.
p <- c(0.01, 0.04, 0.03, 0.005, 0.2, NA, 0.0001)
out(data.frame(p = p, holm = p.adjust(p, method = "holm")), "holm")

# ---------------------------------------------------------------------------------------
# The element design (METHODS.md §1): respondents (dossiers) are the sampled units, the
# strata are the weighting cells agency × field, every service point is covered (a
# census, so never a PSU). R: ids = ~1, strata = ~cell.
options(survey.lonely.psu = "adjust")
d$cell <- paste(d$agency, d$field, sep = "|")
element <- svydesign(ids = ~1, strata = ~cell, weights = ~weight, data = d)
out(item_table(element), "items_element")
out(component_table(element), "components_element")

# Each agency against the plain mean of its ranking group, as svycontrast computes it:
# an item through svyby(covmat = TRUE), the overall index through svytotal of the
# agencies' influence values; t on the design's degrees of freedom, Holm within a group.
groups <- list(departments = c("A", "B", "C", "D"), districts = c("E", "F", "G", "H"))
group_contrasts <- function(des) {
  # svyby(covmat = TRUE) cannot take na.rm; the subset of answerers is the same domain
  # (the subset keeps the full design's PSU counts).
  by_item <- svyby(~s_TC1, ~agency, subset(des, !is.na(TC1)), svymean, covmat = TRUE)
  z <- influence_columns(des)
  columns <- sapply(agencies, function(a) z[[a]]$overall$z)
  colnames(columns) <- paste0("z_", agencies)
  des2 <- des
  for (name in colnames(columns)) des2$variables[[name]] <- columns[, name]
  totals <- svytotal(as.formula(paste("~", paste(colnames(columns), collapse = "+"))), des2)
  overall <- sapply(agencies, function(a) z[[a]]$overall$p)
  rows <- list()
  for (g in names(groups)) {
    members <- groups[[g]]
    for (code in c("TC1", "SIPAS")) {
      block <- list()
      for (a in members) {
        a_vec <- setNames(ifelse(agencies %in% members, -1 / length(members), 0), agencies)
        a_vec[a] <- a_vec[a] + 1
        if (code == "TC1") {
          k <- svycontrast(by_item, a_vec)
        } else {
          k <- svycontrast(totals, setNames(a_vec, colnames(columns)))
        }
        difference <- if (code == "TC1") coef(k)[[1]] else sum(a_vec * overall)
        se <- SE(k)[[1]]
        block[[length(block) + 1]] <- data.frame(
          group = g, agency = a, code = code, difference = difference, se = se,
          df = degf(des), p = 2 * pt(-abs(difference / se), degf(des)))
      }
      block <- do.call(rbind, block)
      block$holm <- p.adjust(block$p, method = "holm")
      rows[[length(rows) + 1]] <- block
    }
  }
  do.call(rbind, rows)
}
options(survey.lonely.psu = "adjust")
out(group_contrasts(make_design()), "contrasts_clustered")
out(group_contrasts(element), "contrasts_element")

# Key drivers: the global item HL on the component scores (mean of each component's
# answered items), svyglm with design-based standard errors.
score <- function(codes) {
  s <- rowMeans(as.matrix(d[, codes]), na.rm = TRUE)
  s[is.nan(s)] <- NA
  s
}
for (cc in c("TC", "TT", "CC", "KQ")) d[[paste0("score_", cc)]] <- score(components[[cc]])
drivers <- function(des, name) {
  fit <- svyglm(HL ~ score_TC + score_TT + score_CC + score_KQ, design = des)
  s <- summary(fit)$coefficients
  out(data.frame(term = rownames(s), estimate = s[, 1], se = s[, 2], p = s[, 4],
                 df = fit$df.residual), paste0("drivers_", name))
  # Importance: |b_j s_j| / sum_k |b_k s_k|, s_j the weighted SD (divisor: the weights'
  # sum) of score j over the complete cases, taken as fixed; svycontrast gives the
  # delta-method SE. abs() has no derivative in R's deriv table, so each term carries
  # its coefficient's sign as a constant (the same function near the estimate).
  scores <- paste0("score_", c("TC", "TT", "CC", "KQ"))
  complete <- complete.cases(des$variables[, c("HL", scores)]) & weights(des) > 0
  w <- weights(des)[complete]
  spread <- sapply(scores, function(v) {
    x <- des$variables[[v]][complete]
    m <- sum(w * x) / sum(w)
    sqrt(sum(w * (x - m)^2) / sum(w))
  })
  b <- coef(fit)[scores]
  terms <- sprintf("(%.17g * %s * %.17g)", sign(b), scores, spread)
  total <- paste(terms, collapse = " + ")
  calls <- lapply(terms, function(t) parse(text = sprintf("%s / (%s)", t, total))[[1]])
  names(calls) <- scores
  importance <- svycontrast(fit, calls)
  q <- qt(0.975, fit$df.residual)
  y <- fit$y
  pw <- fit$prior.weights
  r2 <- 1 - sum(pw * (y - fitted(fit))^2) / sum(pw * (y - weighted.mean(y, pw))^2)
  g <- coef(importance)
  se <- SE(importance)
  out(data.frame(term = scores, importance = g, se = se, low = pmax(0, g - q * se),
                 high = pmin(1, g + q * se), r_squared = r2, df = fit$df.residual),
      paste0("importance_", name))
}
options(survey.lonely.psu = "adjust")
drivers(make_design(), "clustered")
element <- svydesign(ids = ~1, strata = ~cell, weights = ~weight, data = d)
drivers(element, "element")

# Raking that keeps agencies whole: the agency is a margin (its targets are the frame
# totals, i.e. the base weights' agency totals), and gender has a "missing" level (every
# seventh respondent here) whose target is its share before raking; the given gender
# shares (51/49) split the rest.
d$gender_m <- ifelse(seq_len(nrow(d)) %% 7 == 0, "missing", as.character(d$gender))
d$gender_m <- factor(d$gender_m, levels = c("F", "M", "missing"))
d$agency_f <- factor(d$agency, levels = agencies)
total <- sum(d$weight)
missing_weight <- sum(d$weight[d$gender_m == "missing"])
agency_totals <- tapply(d$weight, d$agency_f, sum)
population <- c(`(Intercept)` = total,
                setNames(agency_totals[-1], paste0("agency_f", agencies[-1])),
                gender_mM = 0.49 * (total - missing_weight), gender_mmissing = missing_weight)
element <- svydesign(ids = ~1, strata = ~cell, weights = ~weight, data = d)
raked_element <- calibrate(element, ~agency_f + gender_m, population, calfun = "raking",
                           epsilon = 1e-13, maxit = 200)
out(data.frame(weight = weights(raked_element)), "raked_agency_weights")
out(item_table(raked_element, with_ci = FALSE), "items_raked_agency")
out(component_table(raked_element), "components_raked_agency")
drivers(raked_element, "raked_agency")

# Command-line edge cases.
# 1. "average" with a domain that lies wholly in single-PSU strata (9 and 10): R gives NaN.
options(survey.lonely.psu = "average")
d$lone <- ifelse(d$stratum %in% c(9, 10), "single", "rest")
lone <- svyby(~s_TC1, ~lone, make_design(), svymean, na.rm = TRUE)
out(data.frame(domain = lone$lone, estimate = lone$s_TC1, se = lone$se), "average_single")
# 2. Korn-Graubard intervals when some rows weigh zero (R keeps them in the subset's n).
options(survey.lonely.psu = "adjust")
dz <- d
dz$weight[seq_len(nrow(dz)) %% 10 == 0] <- 0
zero <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, nest = TRUE, data = dz)
rows <- list()
for (a in agencies) {
  sub <- answered(zero, a, "TC1")
  beta <- svyciprop(~I(TC1 >= 4), sub, method = "beta", na.rm = TRUE)
  rows[[length(rows) + 1]] <- data.frame(agency = a, estimate = coef(beta)[[1]],
    ci_low = attr(beta, "ci")[1], ci_high = attr(beta, "ci")[2])
}
out(do.call(rbind, rows), "beta_zero_weights")
