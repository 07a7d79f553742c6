"""Human-facing reports: rich tables for the terminal (and, later, an HTML page)."""
