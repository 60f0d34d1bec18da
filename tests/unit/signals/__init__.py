"""Unit tests of the signal layer (service.signals)."""
