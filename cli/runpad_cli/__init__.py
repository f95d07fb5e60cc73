"""The runpad command line: Runpad's REST API from a shell or a CI job (contract §7)."""
