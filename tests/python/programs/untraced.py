import sys
import threading

count = 0


def work():
    global count
    count += 1
    print("tracer in thread:", sys.gettrace())


t = threading.Thread(target=work)
t.start()
t.join()
print("tracer in main:", sys.gettrace(), count)
