"""The checks\x27 shared machinery: the registry, the law table, numeric comparisons and precision."""
