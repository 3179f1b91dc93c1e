"""Tests of constructs_sm.testing, the offline emulator: its API, its rules (each with a negative control), its moto seam."""
