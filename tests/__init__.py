"""The gateway's tests: one module per gateway module, end-to-end ones marked slow."""
