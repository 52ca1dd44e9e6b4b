"""The performance benchmark of issue 7: generated architecture files, an LSP client, floors and budgets."""
