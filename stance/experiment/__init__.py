"""A whole study: the experiment config, cached stages, `reproduce` and the report."""
