"""Model backends: one interface (`Backend.extract`), one module per backend, one registry."""
