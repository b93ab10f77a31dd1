# Reference values for tests/analysis/test_verdicts_against_r.py: comparisons that must
# survive the agency's own interval, a split district against its parts combined, and the
# late-dossier gap on the smaller domain's degrees of freedom.
#
# Run from the repository root:  Rscript tests/analysis/results/make_verdict_reference.R
# It reads verdict_data.csv (made by make_verdict_data.py). R is not needed for the tests.
suppressMessages(library(survey))
here <- "tests/analysis/results"
d <- read.csv(file.path(here, "verdict_data.csv"), stringsAsFactors = FALSE)
d$s <- as.numeric(d$Q1 >= 4)
out <- function(frame, name) {
  for (column in names(frame)) {
    if (is.double(frame[[column]])) frame[[column]] <- sprintf("%.17g", frame[[column]])
  }
  write.csv(frame, file.path(here, paste0("reference_verdict_", name, ".csv")), row.names = FALSE)
}
cat("survey", as.character(packageVersion("survey")), "on", R.version.string, "\n")
now <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, nest = TRUE,
                 data = d[d$campaign == "now", ])
then <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, nest = TRUE,
                  data = d[d$campaign == "then", ])

# 1. The ranking group FULL, MID1, MID2, LOW: each agency's share, its linearised SE, its
# df, and the Korn-Graubard interval written out as svyciprop(method = "beta") computes
# it, with the respondents as the effective sample size where the variance is zero (R
# itself gives NA there: 0/0). Then each agency minus the group's plain mean by
# svycontrast (the linearised SE, zero-variance agency included).
group <- c("FULL", "MID1", "MID2", "LOW")
by_agency <- svyby(~s, ~agency, subset(now, agency %in% group), svymean, covmat = TRUE)
v <- vcov(by_agency)
rows <- list()
for (a in group) {
  sub <- subset(now, agency == a)
  m <- svymean(~s, sub)
  p <- coef(m)[[1]]
  var <- vcov(m)[1, 1]
  n <- sum(d$campaign == "now" & d$agency == a)
  n_eff <- if (var > 0) p * (1 - p) / var else n
  n_eff <- n_eff * (qt(0.025, nrow(sub) - 1) / qt(0.025, degf(sub)))^2
  low <- if (p > 0) qbeta(0.025, n_eff * p, n_eff * (1 - p) + 1) else 0
  high <- if (p < 1) qbeta(0.975, n_eff * p + 1, n_eff * (1 - p)) else 1
  contrast <- setNames(rep(-1 / length(group), length(group)), rownames(v))
  contrast[a] <- contrast[a] + 1
  linear <- svycontrast(by_agency, contrast)
  rows[[a]] <- data.frame(agency = a, estimate = p, se = sqrt(var), df = degf(sub),
                          beta_low = low, beta_high = high, difference = coef(linear)[[1]],
                          linear_se = SE(linear)[[1]])
}
out(do.call(rbind, rows), "group")
out(data.frame(agency = rownames(v), v, check.names = FALSE), "group_vcov")

# 2. A district of the earlier campaign split into P1 and P2: the parts now, combined by
# their dossiers (svycontrast of the domain means), against the district then.
parts <- svyby(~s, ~agency, subset(now, agency %in% c("P1", "P2")), svymean, covmat = TRUE)
dossiers <- c(P1 = 400, P2 = 900)
weights <- dossiers[rownames(vcov(parts))] / sum(dossiers)
combined <- svycontrast(parts, weights)
parent <- svymean(~s, subset(then, agency == "PARENT"))
split_df <- min(degf(subset(now, agency %in% c("P1", "P2"))), degf(subset(then, agency == "PARENT")))
difference <- coef(combined)[[1]] - coef(parent)[[1]]
se <- sqrt(SE(combined)[[1]]^2 + SE(parent)[[1]]^2)
out(data.frame(combined = coef(combined)[[1]], combined_se = SE(combined)[[1]],
               parent = coef(parent)[[1]], parent_se = SE(parent)[[1]], difference = difference,
               se = se, df = split_df, p = 2 * pt(-abs(difference / se), split_df)), "split")

# 3. The late-dossier gap of agency GAP: on-time minus late answers (svycontrast of the two
# domains, their covariance kept), its t interval on the smaller domain's df.
gap_design <- subset(now, agency == "GAP")
by_time <- svyby(~s, ~timeliness, gap_design, svymean, covmat = TRUE)
gap <- svycontrast(by_time, c(late = -1, on_time = 1))
gap_df <- min(degf(subset(gap_design, timeliness == "late")),
              degf(subset(gap_design, timeliness == "on_time")))
half <- qt(0.975, gap_df) * SE(gap)[[1]]
out(data.frame(difference = coef(gap)[[1]], se = SE(gap)[[1]], df = gap_df,
               ci_low = coef(gap)[[1]] - half, ci_high = coef(gap)[[1]] + half,
               agency_df = degf(gap_design)), "gap")
