def check(x):
    return x == 42
