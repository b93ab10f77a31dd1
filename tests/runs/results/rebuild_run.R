# Rebuild a run's numbers from its exported microdata (flask export run-data), as any
# analyst with R would: tests/runs/test_run_data.py checks the stored run against this.
#
# Run from the repository root:  Rscript tests/runs/results/rebuild_run.R
suppressMessages(library(survey))
here <- "tests/runs/results"
d <- read.csv(file.path(here, "run_data.csv"), stringsAsFactors = FALSE)
options(survey.lonely.psu = "adjust")
components <- list(TC = c("TC1", "TC2", "TC3", "TC4"), TT = c("TT1", "TT2", "TT3", "TT4"),
                   CC = c("CC1", "CC2", "CC3", "CC4", "CC5"), KQ = c("KQ1", "KQ2", "KQ3"),
                   PA = c("PA1", "PA2", "PA3"))
items <- unlist(components, use.names = FALSE)
for (code in items) d[[paste0("s_", code)]] <- as.numeric(d[[code]] >= 4)
agencies <- sort(unique(d$agency))
# The finite-population correction: each stratum's dossiers, as the export carries them.
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, fpc = ~fpc, nest = TRUE,
                 data = d)
w <- weights(des)
fmt <- function(frame) {
  for (column in names(frame)) {
    if (is.double(frame[[column]])) frame[[column]] <- sprintf("%.17g", frame[[column]])
  }
  frame
}
rows <- list()
for (a in agencies) {
  sub <- subset(des, agency == a)
  inside <- d$agency == a
  item_z <- list()
  for (code in items) {
    answered <- inside & !is.na(d[[code]])
    if (!any(answered)) next
    est <- svymean(as.formula(paste0("~s_", code)), sub, na.rm = TRUE)
    # Intervals on the degrees of freedom of those who answered (METHODS.md §3): one
    # answering PSU leaves none, and then no variance is estimable.
    who <- des[answered, ]
    df <- degf(who)
    se <- if (df >= 1) SE(est)[[1]] else NA
    ci <- if (df >= 1) attr(svyciprop(as.formula(paste0("~I(", code, " >= 4)")), who,
                                      method = "logit"), "ci") else c(NA, NA)
    rows[[length(rows) + 1]] <- data.frame(
      agency = a, level = "item", code = code, estimate = coef(est)[[1]], se = se,
      df = df, ci_low = ci[1], ci_high = ci[2])
    W <- sum(w[answered])
    p <- sum(w[answered] * d[[paste0("s_", code)]][answered]) / W
    z <- numeric(nrow(d))
    z[answered] <- (d[[paste0("s_", code)]][answered] - p) / W
    item_z[[code]] <- list(z = z, p = p)
  }
  # Components and the overall index: averages of the available item indices; SEs from
  # svytotal of the averaged influence values.
  comp <- list()
  for (cc in names(components)) {
    present <- intersect(components[[cc]], names(item_z))
    if (length(present) == 0) next
    z <- rowMeans(sapply(present, function(code) item_z[[code]]$z))
    took <- inside & rowSums(!is.na(as.matrix(d[, components[[cc]], drop = FALSE]))) > 0
    comp[[cc]] <- list(z = z, p = mean(sapply(present, function(code) item_z[[code]]$p)),
                       df = degf(des[took, ]))
  }
  took <- inside & rowSums(!is.na(as.matrix(d[, items]))) > 0
  overall <- list(z = rowMeans(sapply(comp, function(x) x$z)),
                  p = mean(sapply(comp, function(x) x$p)), df = degf(des[took, ]))
  for (cc in c(names(comp), "SIPAS")) {
    entry <- if (cc == "SIPAS") overall else comp[[cc]]
    des2 <- des
    des2$variables$zz <- entry$z
    rows[[length(rows) + 1]] <- data.frame(
      agency = a, level = if (cc == "SIPAS") "overall" else "component", code = cc,
      estimate = entry$p, se = if (entry$df >= 1) SE(svytotal(~zz, des2))[[1]] else NA,
      df = entry$df, ci_low = NA, ci_high = NA)
  }
}
write.csv(fmt(do.call(rbind, rows)), file.path(here, "reference_run.csv"), row.names = FALSE)

# Key drivers: the global item on the component scores the run keeps (PA is asked of
# too few to be a driver).
score <- function(codes) {
  s <- rowMeans(as.matrix(d[, codes]), na.rm = TRUE)
  s[is.nan(s)] <- NA
  s
}
for (cc in c("TC", "TT", "CC", "KQ")) d[[paste0("score_", cc)]] <- score(components[[cc]])
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, fpc = ~fpc, nest = TRUE,
                 data = d)
fit <- svyglm(HL ~ score_TC + score_TT + score_CC + score_KQ, design = des)
s <- summary(fit)$coefficients
write.csv(fmt(data.frame(term = rownames(s), estimate = s[, 1], se = s[, 2])),
          file.path(here, "reference_run_drivers.csv"), row.names = FALSE)
