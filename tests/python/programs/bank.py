import threading

balance = 0


def deposit(n):
    global balance
    for _ in range(n):
        balance += 1


threads = [threading.Thread(target=deposit, args=(2,)) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(balance)
