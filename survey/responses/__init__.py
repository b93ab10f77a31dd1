"""What respondents answered (submissions, answers) and, kept apart, that they took part."""
