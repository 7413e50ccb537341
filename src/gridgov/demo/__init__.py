"""Demo data: the three seed districts (Saihan, Xiaodian, Guandu) at their published scale.
Built through the same services the product uses; deterministic for a given seed."""
