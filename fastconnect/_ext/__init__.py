"""Compiled extensions built from src_ext/ (absent when installed with FASTCONNECT_NO_EXT=1)."""
