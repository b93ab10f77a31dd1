"""Survey campaigns: a period, a questionnaire version, the agencies in scope and their frames."""
