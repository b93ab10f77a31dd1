# Reference values for design weights from selection probabilities and for the
# late/on-time satisfaction gap (tests/analysis/test_selection_against_r.py).
#
# Run from the repository root:  Rscript tests/analysis/results/make_selection_reference.R
# It reads selection_sample.csv (made by make_selection_data.py): every drawn invitation,
# answered or not. R is not needed to run the tests.
suppressMessages(library(survey))
here <- "tests/analysis/results"
sel <- read.csv(file.path(here, "selection_sample.csv"), stringsAsFactors = FALSE)
cat("survey", as.character(packageVersion("survey")), "on", R.version.string, "\n")
out <- function(frame, name) {
  for (column in names(frame)) {
    if (is.double(frame[[column]])) frame[[column]] <- sprintf("%.17g", frame[[column]])
  }
  write.csv(frame, file.path(here, paste0("reference_", name, ".csv")), row.names = FALSE)
}
components <- list(TC = c("TC1", "TC2", "TC3", "TC4"), TT = c("TT1", "TT2", "TT3", "TT4"),
                   CC = c("CC1", "CC2", "CC3", "CC4", "CC5"), KQ = c("KQ1", "KQ2", "KQ3"),
                   PA = c("PA1", "PA2", "PA3"))
items <- unlist(components, use.names = FALSE)

# Weighting-class nonresponse adjustment: within each cell the respondents' 1/π are scaled
# up to the sum of 1/π over everyone selected, i.e. their probabilities are multiplied by
# the cell's weighted response rate. The design then comes from those probabilities.
sel$row <- seq_len(nrow(sel))
selected_sum <- tapply(1 / sel$prob, sel$cell, sum)
d <- subset(sel, responded == 1)
respondent_sum <- tapply(1 / d$prob, d$cell, sum)
d$prob_adjusted <- d$prob * respondent_sum[d$cell] / selected_sum[d$cell]
des <- svydesign(ids = ~1, strata = ~cell, probs = ~prob_adjusted, data = d)
out(data.frame(row = d$row, weight = weights(des)), "selection_weights")

for (code in items) d[[paste0("s_", code)]] <- as.numeric(d[[code]] >= 4)
des <- svydesign(ids = ~1, strata = ~cell, probs = ~prob_adjusted, data = d)
agencies <- sort(unique(d$agency))

# Item indices per agency.
rows <- list()
for (code in items) {
  est <- svyby(as.formula(paste0("~s_", code)), ~agency, des, svymean, na.rm = TRUE)
  for (i in seq_len(nrow(est))) {
    rows[[length(rows) + 1]] <- data.frame(agency = est$agency[i], code = code,
                                           estimate = est[i, 2], se = est[i, 3])
  }
}
out(do.call(rbind, rows), "selection_items")

# The gap between on-time and late dossiers within each agency, for an item and for the
# overall index (plain mean of components, each the plain mean of its items): svycontrast
# of svytotal of the domains' influence values (svyby(covmat = TRUE) stops on items some
# respondents left unanswered). The item's estimates are checked against svyby too.
d$timeliness <- ifelse(d$late == 1, "late", "on_time")
d$domain <- paste(d$agency, d$timeliness, sep = "|")
des <- svydesign(ids = ~1, strata = ~cell, probs = ~prob_adjusted, data = d)
domains <- sort(unique(d$domain))
w <- weights(des)
overall_z <- function(inside) {
  comp <- list()
  for (cc in names(components)) {
    zs <- list()
    ps <- c()
    for (code in components[[cc]]) {
      answered <- inside & !is.na(d[[code]])
      W <- sum(w[answered])
      p <- sum(w[answered] * d[[paste0("s_", code)]][answered]) / W
      zz <- numeric(nrow(d))
      zz[answered] <- (d[[paste0("s_", code)]][answered] - p) / W
      zs[[code]] <- zz
      ps <- c(ps, p)
    }
    comp[[cc]] <- list(z = rowMeans(do.call(cbind, zs)), p = mean(ps))
  }
  list(z = rowMeans(sapply(comp, function(x) x$z)), p = mean(sapply(comp, function(x) x$p)))
}
item_z <- function(inside, code) {
  answered <- inside & !is.na(d[[code]])
  W <- sum(w[answered])
  p <- sum(w[answered] * d[[paste0("s_", code)]][answered]) / W
  zz <- numeric(nrow(d))
  zz[answered] <- (d[[paste0("s_", code)]][answered] - p) / W
  list(z = zz, p = p)
}
by_item <- svyby(~s_TC1, ~domain, des, svymean, na.rm = TRUE)
rows <- list()
for (code in c("TC1", "SIPAS")) {
  z <- lapply(domains, function(dm) {
    if (code == "SIPAS") overall_z(d$domain == dm) else item_z(d$domain == dm, code)
  })
  names(z) <- domains
  if (code == "TC1") {
    stopifnot(all(abs(sapply(domains, function(dm) z[[dm]]$p) - by_item[domains, 2]) < 1e-12))
  }
  des2 <- des
  columns <- paste0("z_", make.names(domains))
  for (i in seq_along(domains)) des2$variables[[columns[i]]] <- z[[domains[i]]]$z
  totals <- svytotal(as.formula(paste("~", paste(columns, collapse = "+"))), des2)
  for (a in agencies) {
    on_time <- paste(a, "on_time", sep = "|")
    late <- paste(a, "late", sep = "|")
    vector <- setNames(rep(0, length(domains)), columns)
    vector[paste0("z_", make.names(on_time))] <- 1
    vector[paste0("z_", make.names(late))] <- -1
    k <- svycontrast(totals, vector)
    rows[[length(rows) + 1]] <- data.frame(agency = a, code = code,
                                           gap = z[[on_time]]$p - z[[late]]$p, se = SE(k)[[1]])
  }
}
out(do.call(rbind, rows), "selection_gap")
