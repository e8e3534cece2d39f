import os

print("hello from", os.environ.get("BOOTSTRAP_SERVERS"))
