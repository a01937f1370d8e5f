"""A reference server for the national portal's rest.jsp contract, a province feed and Form 06
statistics, serving a dataset folder; and the deterministic generator of the bundled dataset."""
