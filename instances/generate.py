"""Placeholder, replaced by the generators work."""
def generate(kind, n=50, seed=0, **kw): raise NotImplementedError
