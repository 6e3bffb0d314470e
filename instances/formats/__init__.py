"""Placeholder, replaced by the formats work."""
def load(path): raise NotImplementedError
def save(problem, path): raise NotImplementedError
def load_solution(path, problem=None): raise NotImplementedError
def save_solution(solution, path, problem=None): raise NotImplementedError
