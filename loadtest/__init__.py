"""`make loadtest`: see run.py."""
