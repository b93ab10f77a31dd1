# Reference values for citizens' and organisations' answers weighted together
# (tests/analysis/test_respondent_types_against_r.py).
#
# Run from the repository root:  Rscript tests/analysis/results/make_respondent_type_reference.R
# It reads respondent_types.csv and respondent_type_frames.csv (made by
# make_respondent_type_data.py). R is not needed to run the tests.
suppressMessages(library(survey))
here <- "tests/analysis/results"
d <- read.csv(file.path(here, "respondent_types.csv"), stringsAsFactors = FALSE)
frames <- read.csv(file.path(here, "respondent_type_frames.csv"), stringsAsFactors = FALSE)
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

# Weights (METHODS.md §2, step 2), written out from the rule rather than from the
# platform's code: N_s / n_s in each cell agency × field × type; an empty cell's dossiers
# spread over its agency × type's responding cells in proportion to their counts; an
# agency × type with no respondent at all spread over the agency's responding types in
# proportion to their totals.
d$row <- seq_len(nrow(d))
n_s <- table(d$cell)
frames$group <- paste(frames$agency, frames$respondent_type, sep = "|")
frames$responding <- frames$cell %in% names(n_s)
N_g <- tapply(frames$dossiers, frames$group, sum)
A_g <- tapply(frames$dossiers * frames$responding, frames$group, sum)
groups <- data.frame(group = names(N_g), N = as.numeric(N_g), A = as.numeric(A_g))
groups$agency <- sub("\\|.*$", "", groups$group)
N_p <- tapply(groups$N, groups$agency, sum)
A_p <- tapply(groups$N * (groups$A > 0), groups$agency, sum)
N_cell <- setNames(frames$dossiers, frames$cell)
d$group <- paste(d$agency, d$respondent_type, sep = "|")
d$w <- as.numeric(N_cell[d$cell]) / as.numeric(n_s[d$cell]) *
  as.numeric(N_g[d$group] / A_g[d$group]) * as.numeric(N_p[d$agency] / A_p[d$agency])
out(data.frame(row = d$row, weight = d$w), "respondent_type_weights")

for (code in items) d[[paste0("s_", code)]] <- as.numeric(d[[code]] >= 4)
d$domain <- paste(d$agency, d$respondent_type, sep = "|")
des <- svydesign(ids = ~1, strata = ~cell, weights = ~w, data = d)
w <- weights(des)

# Indices of a domain with their linearisation: an item is a ratio (satisfied over
# answered), a component the plain mean of its items, the overall index the plain mean
# of components; each influence value is zero outside the domain, and its SE that of
# svytotal. Items are also checked against svyby(svymean) below.
item_z <- function(inside, code) {
  answered <- inside & !is.na(d[[code]])
  W <- sum(w[answered])
  p <- sum(w[answered] * d[[paste0("s_", code)]][answered]) / W
  zz <- numeric(nrow(d))
  zz[answered] <- (d[[paste0("s_", code)]][answered] - p) / W
  list(z = zz, p = p)
}
rows <- list()
add <- function(domain, code, z, p) {
  des2 <- des
  des2$variables$z <- z
  rows[[length(rows) + 1]] <<- data.frame(domain = domain, code = code, estimate = p,
                                          se = SE(svytotal(~z, des2))[[1]])
}
estimate_domain <- function(domain, inside) {
  comp <- list()
  for (cc in names(components)) {
    parts <- lapply(components[[cc]], function(code) item_z(inside, code))
    z <- rowMeans(sapply(parts, function(x) x$z))
    p <- mean(sapply(parts, function(x) x$p))
    comp[[cc]] <- list(z = z, p = p)
    add(domain, cc, z, p)
  }
  add(domain, "SIPAS", rowMeans(sapply(comp, function(x) x$z)),
      mean(sapply(comp, function(x) x$p)))
  for (code in c("TC1", "KQ2")) {
    x <- item_z(inside, code)
    add(domain, code, x$z, x$p)
  }
}
# Combined (agency), each type within each agency, and each type over the province.
for (a in sort(unique(d$agency))) estimate_domain(a, d$agency == a)
for (dm in sort(unique(d$domain))) estimate_domain(dm, d$domain == dm)
for (kind in sort(unique(d$respondent_type))) {
  estimate_domain(paste0("all|", kind), d$respondent_type == kind)
}
reference <- do.call(rbind, rows)
# The item estimates agree with svyby's domain means.
by_type <- svyby(~s_TC1, ~domain, des, svymean, na.rm = TRUE)
check <- reference[reference$code == "TC1" & reference$domain %in% rownames(by_type), ]
stopifnot(all(abs(check$estimate - by_type[check$domain, 2]) < 1e-12))
stopifnot(all(abs(check$se - SE(by_type)[match(check$domain, rownames(by_type))]) < 1e-12))
by_agency <- svyby(~s_TC1, ~agency, des, svymean, na.rm = TRUE)
check <- reference[reference$code == "TC1" & reference$domain %in% rownames(by_agency), ]
stopifnot(all(abs(check$estimate - by_agency[check$domain, 2]) < 1e-12))
out(reference, "respondent_types")
