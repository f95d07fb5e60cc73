"""Read models: what the pages and the API show (listings, a run or a version as a row, logs to
follow). They read; the domain in app/services writes."""
