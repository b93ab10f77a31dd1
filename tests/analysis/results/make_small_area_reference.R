# Reference values for analysis.small_areas (tests/analysis/test_small_areas_against_r.py).
#
# The Fay-Herriot model fitted by REML, written from the textbook formulas with full
# m x m matrices (Rao & Molina, Small Area Estimation, 2nd ed., 2015):
#   REML by Fisher scoring            eq. 6.2.19, P = V^-1 - V^-1 X (X'V^-1 X)^-1 X'V^-1
#   EBLUP  gamma*y + (1-gamma)*x'b    eq. 6.1.12
#   MSE    g1 + g2 + 2 g3             eq. 6.2.37 (Datta & Lahiri 2000, REML)
#   difference benchmarking           section 6.2.7
# Areas without a direct estimate get x'b with MSE A + x'(X'V^-1X)^-1 x.
# Run from the repository root:
#   Rscript tests/analysis/results/make_small_area_reference.R
# Produced with R 4.2.2 (Debian bookworm's r-base-core); no package beyond base R.

options(digits = 17)
here <- "tests/analysis/results"

fit_fh <- function(data, covariates, weights) {
  y_all <- data$direct
  observed <- !is.na(y_all)
  X_all <- cbind(1, as.matrix(data[, covariates, drop = FALSE]))
  X <- X_all[observed, , drop = FALSE]
  y <- y_all[observed]
  D <- data$variance[observed]
  m <- length(y)
  A <- median(D)
  for (iteration in 1:100) {
    Vinv <- diag(1 / (A + D))
    P <- Vinv - Vinv %*% X %*% solve(t(X) %*% Vinv %*% X) %*% t(X) %*% Vinv
    score <- -0.5 * sum(diag(P)) + 0.5 * as.numeric(t(y) %*% P %*% P %*% y)
    information <- 0.5 * sum(diag(P %*% P))
    updated <- max(A + score / information, 0)
    converged <- abs(updated - A) < 1e-12 * max(1, A)
    A <- updated
    if (converged) break
  }
  Vinv <- diag(1 / (A + D))
  XtVX_inv <- solve(t(X) %*% Vinv %*% X)
  beta <- as.numeric(XtVX_inv %*% t(X) %*% Vinv %*% y)
  var_A <- 2 / sum(1 / (A + D)^2)
  fitted <- as.numeric(X_all %*% beta)
  gamma <- rep(0, nrow(data))
  gamma[observed] <- A / (A + D)
  eblup <- fitted
  eblup[observed] <- gamma[observed] * y + (1 - gamma[observed]) * fitted[observed]
  leverage <- rowSums((X_all %*% XtVX_inv) * X_all)
  g1 <- rep(0, nrow(data)); g3 <- rep(0, nrow(data))
  g1[observed] <- gamma[observed] * D
  g2 <- (1 - gamma)^2 * leverage
  g3[observed] <- D^2 / (A + D)^3 * var_A
  mse <- g1 + g2 + 2 * g3
  mse[!observed] <- A + g2[!observed]
  w <- weights[observed]
  target <- sum(w * y) / sum(w)
  benchmarked <- eblup + target - sum(w * eblup[observed]) / sum(w)
  list(
    areas = data.frame(area = data$area, eblup = eblup, mse = mse, shrinkage = gamma,
                       g1 = g1, g2 = g2, g3 = g3, benchmarked = benchmarked),
    model = data.frame(term = c("A", "A_se", colnames(X_all)),
                       value = c(A, sqrt(var_A), beta),
                       se = c(NA, NA, sqrt(diag(XtVX_inv))))
  )
}

covariates <- c("ward", "earlier", "on_time", "log_frame")
for (case in c("small_areas", "small_areas_flat")) {
  data <- read.csv(file.path(here, paste0(case, ".csv")))
  result <- fit_fh(data, covariates, data$frame)
  model <- result$model
  model$term[3] <- "(intercept)"
  write.csv(result$areas, file.path(here, paste0("reference_", case, ".csv")),
            row.names = FALSE)
  write.csv(model, file.path(here, paste0("reference_", case, "_model.csv")),
            row.names = FALSE)
  cat(case, ": A =", format(model$value[1], digits = 10), "\n")
}
