"""Reproducible .claude/ bundles (zip, tar.gz) and a safe reader for uploads.

Pure Python: imports no Django.
"""
