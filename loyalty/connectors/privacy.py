"""Personal data in the connectors: none of their own. The customers a run enrols are
ordinary customers (the accounts section covers them); a run's row report names rows
by index and the import's codes, not by customer."""

from skypark.privacy.registry import not_personal

not_personal("connectors.ConnectorRun.started_by", reason="the member of staff who started the run")
