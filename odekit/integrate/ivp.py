def solve_ivp(*args, **kwargs):  # placeholder until the core lands
    raise NotImplementedError
