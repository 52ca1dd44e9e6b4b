"""Exporters: an analysed architecture as source code of a framework (PyTorch)."""
