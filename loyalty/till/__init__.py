"""The till's bookkeeping beyond the sale itself: customer totals per merchant and across
the network. Models here; the services that keep them are in ``loyalty.services``."""
