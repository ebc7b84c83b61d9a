def solve_ensemble(*args, **kwargs):  # placeholder until the core lands
    raise NotImplementedError
