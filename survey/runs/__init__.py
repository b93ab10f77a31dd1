"""Analysis runs: a campaign's screened submissions turned into stored, reproducible indices."""
