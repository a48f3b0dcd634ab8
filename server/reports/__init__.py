"""Reports: aggregates for venues, schools, sponsors and the operator, with small cells suppressed."""
