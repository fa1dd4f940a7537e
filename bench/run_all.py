"""Run every benchmark on the demo preset (what `make bench` does)."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

for script in ("bench_ingest.py", "bench_load.py", "bench_incremental.py", "bench_resolve.py"):
    subprocess.run([sys.executable, str(HERE / script), "--preset", "demo"], check=True)
# The seed benchmark's smallest preset: the same steps as at the seed preset, in minutes.
subprocess.run([sys.executable, str(HERE / "bench_seed.py"), "--preset", "tiny"], check=True)
