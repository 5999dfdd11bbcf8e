"""INGInious helpers (fixture)."""
