def feedback(result, message):
    print(f"{result}: {message}")
