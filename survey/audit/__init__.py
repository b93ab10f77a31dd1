"""The audit trail of staff writes."""
