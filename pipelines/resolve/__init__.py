"""Entity resolution: which accounts are run by the same operator, and why."""
