import sys
import threading

seen = []


def tracer(frame, event, arg):
    if frame.f_code.co_name == "traced":
        seen.append(event)
        return tracer
    return None


def traced():
    x = 1
    return x + 1


sys.settrace(tracer)
print("gettrace is ours:", sys.gettrace() is tracer)
traced()
sys.settrace(None)
print("after settrace(None):", sys.gettrace())
traced()
print("main:", seen)
seen.clear()
threading.settrace(tracer)
t = threading.Thread(target=traced)
t.start()
t.join()
print("thread:", seen)
