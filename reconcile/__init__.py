"""Reconcile: published (province decisions) against publicized (national database), dossier
statistics, and the quarterly report."""
