import threading


class Account:
    def __init__(self):
        self.balance = 0

    def deposit(self, n):
        for _ in range(n):
            self.balance += 1


def helper():
    return 1


savings = Account()
checking = Account()


def work():
    for account in (savings, checking):
        account.deposit(helper())
    threading.current_thread()


threads = [threading.Thread(target=work) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(savings.balance, checking.balance)
