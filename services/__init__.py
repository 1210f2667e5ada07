"""FleetCare services: intake, parts, dispatch, quality."""
