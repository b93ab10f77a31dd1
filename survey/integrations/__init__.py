"""Other systems of the province that feed the platform, and the tokens they sign in with."""
