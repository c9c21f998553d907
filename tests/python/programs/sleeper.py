import time
t0 = time.monotonic()
time.sleep(1.0)
print("slept")
import sys
sys.stderr.write("real %.3f\n" % (time.monotonic() - t0))
