import _thread
import time

done = _thread.allocate_lock()
done.acquire()


def work(n):
    print("raw thread", n)
    done.release()


def fail():
    raise KeyError("raw")


_thread.start_new_thread(work, (7,))
done.acquire()
_thread.start_new_thread(fail, ())
time.sleep(0.2)
print("main done")
