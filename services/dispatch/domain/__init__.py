"""Pure dispatch rules: job statuses and the app's action graph, required skills, shift
calendars, ETags. No I/O, no framework."""
