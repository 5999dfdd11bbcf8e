def feedback(result):
    print(result)
