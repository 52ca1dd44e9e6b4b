"""Views of an ``Analysis``: the summary table, the JSON summary, the annotated source, the registry.

Each view only renders what the engine computed; none of them counts anything.
"""
