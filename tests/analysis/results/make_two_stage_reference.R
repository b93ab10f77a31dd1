# Reference values of a two-stage household design from R's survey package, for
# tests/analysis/test_two_stage_against_r.py.
#
# Run from the repository root:  Rscript tests/analysis/results/make_two_stage_reference.R
# It reads households.csv (made by make_two_stage_data.py) and writes the
# reference_two_stage_*.csv files beside this script. R is not needed to run the tests.
suppressMessages(library(survey))
options(survey.lonely.psu = "adjust")
here <- "tests/analysis/results"
d <- read.csv(file.path(here, "households.csv"), stringsAsFactors = FALSE)
components <- list(TC = c("TC1", "TC2", "TC3", "TC4"), TT = c("TT1", "TT2", "TT3", "TT4"),
                   CC = c("CC1", "CC2", "CC3", "CC4", "CC5"), KQ = c("KQ1", "KQ2", "KQ3"),
                   PA = c("PA1", "PA2", "PA3"))
items <- unlist(components, use.names = FALSE)
for (code in items) d[[paste0("s_", code)]] <- as.numeric(d[[code]] >= 4)
out <- function(frame, name) {
  for (column in names(frame)) {
    if (is.double(frame[[column]])) frame[[column]] <- sprintf("%.17g", frame[[column]])
  }
  write.csv(frame, file.path(here, paste0("reference_two_stage_", name, ".csv")),
            row.names = FALSE)
}
cat("survey", as.character(packageVersion("survey")), "on", R.version.string, "\n")

design <- svydesign(ids = ~village + household, strata = ~commune,
                    fpc = ~N_villages + N_households, weights = ~weight, nest = TRUE, data = d)

item_table <- function(des, by) {
  rows <- list()
  for (code in items) {
    est <- svyby(as.formula(paste0("~s_", code)), as.formula(paste0("~", by)), des, svymean,
                 na.rm = TRUE, deff = "replace")
    for (i in seq_len(nrow(est))) {
      domain <- est[[by]][i]
      sub <- des[des$variables[[by]] == domain & !is.na(des$variables[[code]]), ]
      logit <- svyciprop(as.formula(paste0("~I(", code, " >= 4)")), sub, method = "logit")
      rows[[length(rows) + 1]] <- data.frame(
        domain = domain, code = code, estimate = est[i, 2], se = est[i, 3], deff = est[i, 4],
        df = degf(sub), logit_low = attr(logit, "ci")[1], logit_high = attr(logit, "ci")[2])
    }
  }
  do.call(rbind, rows)
}

# Components and the overall index: averages of item indices; their SEs from svytotal of
# the averaged influence values z = (s - p) / W.
influence <- function(des, by) {
  w <- weights(des)
  found <- list()
  for (domain in sort(unique(d[[by]]))) {
    inside <- d[[by]] == domain
    item_z <- list()
    for (code in items) {
      answered <- inside & !is.na(d[[code]])
      W <- sum(w[answered])
      p <- sum(w[answered] * d[[paste0("s_", code)]][answered]) / W
      z <- numeric(nrow(d))
      z[answered] <- (d[[paste0("s_", code)]][answered] - p) / W
      item_z[[code]] <- list(z = z, p = p)
    }
    comp <- lapply(components, function(codes) list(
      z = rowMeans(sapply(codes, function(code) item_z[[code]]$z)),
      p = mean(sapply(codes, function(code) item_z[[code]]$p))))
    found[[domain]] <- list(components = comp, overall = list(
      z = rowMeans(sapply(comp, function(x) x$z)), p = mean(sapply(comp, function(x) x$p))))
  }
  found
}

component_table <- function(des, by) {
  z <- influence(des, by)
  rows <- list()
  for (domain in names(z)) {
    for (cc in c(names(components), "SIPAS")) {
      entry <- if (cc == "SIPAS") z[[domain]]$overall else z[[domain]]$components[[cc]]
      des2 <- des
      des2$variables$zz <- entry$z
      rows[[length(rows) + 1]] <- data.frame(domain = domain, code = cc, estimate = entry$p,
                                             se = SE(svytotal(~zz, des2))[1])
    }
  }
  do.call(rbind, rows)
}

overall_covariance <- function(des, by) {
  z <- influence(des, by)
  des2 <- des
  names <- paste0("z_", names(z))
  for (i in seq_along(z)) des2$variables[[names[i]]] <- z[[i]]$overall$z
  v <- vcov(svytotal(as.formula(paste("~", paste(names, collapse = "+"))), des2))
  data.frame(domain = names(z), v, check.names = FALSE)
}

for (by in c("commune", "gender")) {
  out(item_table(design, by), paste0("items_", by))
  out(component_table(design, by), paste0("components_", by))
  out(overall_covariance(design, by), paste0("covariance_", by))
}
# The same households read as one stage (villages only, first-stage fpc): what a
# forgotten second stage would give, so the tests can see that the two differ.
one_stage <- svydesign(ids = ~village, strata = ~commune, fpc = ~N_villages,
                       weights = ~weight, nest = TRUE, data = d)
out(component_table(one_stage, "commune"), "components_one_stage")
