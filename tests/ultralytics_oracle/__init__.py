"""Ultralytics 8.4.190 as the oracle for Ultralytics model files, as PyTorch is for the native format."""
