"""Extract: fetch source pages over HTTP and land them raw, with provenance. Nothing is parsed
beyond what paging needs; a page that cannot be fetched fails the run."""
