"""tthc-sync core: configuration, the step runner shared by the CLI and the DAGs, the CLI."""
