"""Hierarchy: districts (tenants), the node tree from district down to entrance unit, grid layers.
Owns codes, polygons and locate(): which grid a coordinate falls in."""
