"""Subclassing threading.Thread: the constructor keeps its arguments where run() can see
them (PyMOTW `threading_subclass_args`)."""
import threading


class MyThreadWithArgs(threading.Thread):
    def __init__(self, group=None, target=None, name=None, args=(), kwargs=None, *, daemon=None):
        super().__init__(group=group, target=target, name=name, daemon=daemon)
        self.args = args
        self.kwargs = kwargs

    def run(self):
        print(f"running with {self.args!r} and {self.kwargs!r}")


for i in range(5):
    t = MyThreadWithArgs(args=(i,), kwargs={"a": "A", "b": "B"})
    t.start()
