import os
import sys
print(sys.argv, sys.path[0] == os.path.dirname(os.path.realpath(__file__)))
print(sorted(k for k in globals() if not k.startswith("__")), __name__, __file__, __cached__, __spec__, __package__)
print(type(__loader__).__name__)
print(sorted(k for k in os.environ if k.startswith("THREADVIZ")))
print(any("threadviz_hook" in p for p in sys.path))
print([t.name for t in __import__("threading").enumerate()])
