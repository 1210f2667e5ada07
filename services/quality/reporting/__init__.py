"""The periodic report rendered as HTML: SVG charts (`charts`), tables and figures (`blocks`),
the feedback sections (`feedback`) and the page around them (`page`)."""
