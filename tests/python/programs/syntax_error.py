print("x"
def broken(:
