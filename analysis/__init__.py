"""Results to statistics, tables and figures (plot functions return figures, never show them)."""
